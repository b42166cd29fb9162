/**
 * Provider-like PostgreSQL for the providers tier: the database people really have on Supabase,
 * RDS or Neon, and the targets they restore it into.
 *
 * The source is built once per test file (buildSource: 3-6 s here), on a PostgreSQL 15 server
 * with SSL on (a self-signed certificate made at test time) and pg_cron, pgaudit and
 * pg_stat_statements preloaded: the superuser `supabase_admin` owns the extensions (fixtures/provider-base.sql), the
 * provider role `supabase_auth_admin` owns schema `auth` (provider-auth.sql), and everything else is
 * created as the non-superuser owner `app` (provider-app.sql, then stripe-sync-engine's migrator
 * connected as app). The built server is stopped and its data directory kept as a template, so an
 * exact copy of the source (for overwrite) is a file copy and a start.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import {
  REPO_ROOT,
  quoteIdent,
  quoteLiteral,
  runCommand,
  startCluster,
  startClusterFromData,
  type PgCluster,
  type StartClusterOptions,
} from '../../scripts/lib/pg-cluster.js';

/** The API roles of a Supabase project (NOLOGIN; app is a member of each). */
export const API_ROLES = ['anon', 'authenticated', 'service_role'] as const;
/** The database every provider server holds the project in. */
export const APP_DB = 'appdb';
/** The non-superuser owner's password: every character a URL must percent-encode. */
export const APP_PASSWORD = `s3cr@t:/%2F#?&=+ ${randomBytes(4).toString('hex')}`;
/** The second non-superuser (a Neon branch's owner), not a member of app. */
export const APP2_PASSWORD = `br@nch/%:${randomBytes(4).toString('hex')}`;
/** The password of every other login role the fixtures create (owners on Neon/RDS-like servers). */
export const OWNER_PASSWORD = `own3r@/:%${randomBytes(4).toString('hex')}`;

const FIXTURES = path.join(REPO_ROOT, '__tests__', 'fixtures');
const PG15_BIN = '/usr/lib/postgresql/15/bin';

/** A URL for `user` over SSL (sslmode=require), its password percent-encoded. */
export function sslUrl(
  server: PgCluster,
  database: string,
  user: string,
  password: string,
): string {
  const auth = `${encodeURIComponent(user)}:${encodeURIComponent(password)}`;
  return `postgresql://${auth}@127.0.0.1:${server.port}/${encodeURIComponent(database)}?sslmode=require`;
}

/** The app owner's URL (SSL, percent-encoded password) for `database` on `server`. */
export function appUrl(server: PgCluster, database = APP_DB): string {
  return sslUrl(server, database, 'app', APP_PASSWORD);
}

/** A self-signed certificate and key the server user can read, in a fresh directory. */
export async function makeCertificate(): Promise<{ dir: string; cert: string; key: string }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'provider-ssl-'));
  const cert = path.join(dir, 'server.crt');
  const key = path.join(dir, 'server.key');
  await runCommand('openssl', [
    'req', '-x509', '-nodes', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1',
    '-keyout', key, '-out', cert, '-days', '2', '-subj', '/CN=localhost',
  ]); // prettier-ignore
  fs.chmodSync(key, 0o600);
  if (process.getuid?.() === 0) spawnSync('chown', ['-R', 'postgres:postgres', dir]);
  return { dir, cert, key };
}

/** Server settings of a provider-like PostgreSQL 15: SSL and the preloaded extensions. */
export function providerSettings(
  ssl: { cert: string; key: string },
  cronDatabase = APP_DB,
): StartClusterOptions {
  return {
    settings: {
      ssl: 'on',
      ssl_cert_file: ssl.cert,
      ssl_key_file: ssl.key,
      shared_preload_libraries: 'pg_cron,pgaudit,pg_stat_statements',
      'cron.database_name': cronDatabase,
      max_connections: 40,
      shared_buffers: '64MB',
    },
  };
}

/**
 * Refuses every connection of `users` that is not over SSL (pg_hba: hostnossl … reject, ahead of
 * the test cluster's own line), so that a passing test proves the action connected with SSL.
 */
export async function requireSsl(server: PgCluster, users: string[]): Promise<void> {
  const hba = (await server.psql('SHOW hba_file')).trim();
  const reject = `hostnossl all ${users.map(quoteIdent).join(',')} 127.0.0.1/32 reject\n`;
  fs.writeFileSync(hba, reject + fs.readFileSync(hba, 'utf8'));
  await server.psql('SELECT pg_reload_conf()');
}

/** The roles of a Supabase-like server: supabase_admin, the API roles, the provider's auth role (app is a member), app, app2. */
export async function createProviderRoles(server: PgCluster): Promise<void> {
  await server.psql(`
    CREATE ROLE supabase_admin SUPERUSER LOGIN PASSWORD ${quoteLiteral(OWNER_PASSWORD)};
    CREATE ROLE anon NOLOGIN NOINHERIT;
    CREATE ROLE authenticated NOLOGIN NOINHERIT;
    CREATE ROLE service_role NOLOGIN NOINHERIT BYPASSRLS;
    CREATE ROLE supabase_auth_admin NOLOGIN NOINHERIT;
    CREATE ROLE app LOGIN PASSWORD ${quoteLiteral(APP_PASSWORD)}
      NOSUPERUSER NOCREATEDB NOCREATEROLE BYPASSRLS;
    GRANT anon, authenticated, service_role TO app;
    -- As Supabase does (so that its owner can manage the auth tables' triggers and policies).
    GRANT supabase_auth_admin TO app;
    CREATE ROLE app2 LOGIN PASSWORD ${quoteLiteral(APP2_PASSWORD)}
      NOSUPERUSER NOCREATEDB NOCREATEROLE;`);
}

/** Who the provider's part of a database is set up by and for. */
export interface ProviderRoles {
  /** The provider's superuser, owner of schema `extensions` and the extensions. */
  admin: string;
  /** The project's owner role, granted the use of pg_cron and pg_partman. */
  owner: string;
}

/** Supabase's roles: supabase_admin sets up, app owns. */
export const SUPABASE: ProviderRoles = { admin: 'supabase_admin', owner: 'app' };

/**
 * The provider's part of a project database (fixtures/provider-base.sql): schema `extensions` with
 * the extensions, pg_partman, pgaudit, pg_cron when `cron` (only in cron.database_name), the
 * grants that let the owner use them, and the provider's event trigger.
 */
export async function enableProviderExtensions(
  server: PgCluster,
  database: string,
  roles: ProviderRoles = SUPABASE,
  cron = true,
): Promise<void> {
  const sql = fs
    .readFileSync(path.join(FIXTURES, 'provider-base.sql'), 'utf8')
    .replaceAll('__ADMIN__', quoteIdent(roles.admin))
    .replaceAll('__OWNER__', quoteIdent(roles.owner))
    .replace(/^__CRON__ (.*)$/gm, cron ? '$1' : '-- $1');
  await server.psql(sql, database);
}

/** An empty database owned by `owner`, created by the superuser. */
export async function createOwnedDatabase(
  server: PgCluster,
  database: string,
  owner: string,
): Promise<void> {
  await server.psql(`CREATE DATABASE ${quoteIdent(database)} OWNER ${quoteIdent(owner)}`);
}

/** Starts a provider-like PostgreSQL 15 with the roles, and an empty appdb owned by app. */
export async function startProviderServer(
  ssl: { cert: string; key: string },
  cronDatabase = APP_DB,
): Promise<PgCluster> {
  const server = await startCluster(15, providerSettings(ssl, cronDatabase));
  await createProviderRoles(server);
  await createOwnedDatabase(server, APP_DB, 'app');
  return server;
}

/**
 * A "new project": the same roles, the provider's extensions already enabled by the superuser in
 * appdb (pg_cron, pg_partman, pgaudit too), and nothing of the application.
 */
export async function startNewProject(ssl: { cert: string; key: string }): Promise<PgCluster> {
  const server = await startProviderServer(ssl);
  await enableProviderExtensions(server, APP_DB);
  await requireSsl(server, ['app', 'app2']);
  return server;
}

/** Runs stripe-sync-engine's own migrator (its CommonJS build) into schema `stripe`. */
async function migrateStripe(url: string): Promise<void> {
  const require = createRequire(path.join(REPO_ROOT, 'package.json'));
  const engine = require('@supabase/stripe-sync-engine') as {
    runMigrations(config: {
      databaseUrl: string;
      schema: string;
      logger?: { info(...a: unknown[]): void; error(...a: unknown[]): void };
    }): Promise<void>;
  };
  const errors: unknown[] = [];
  const logger = { info: () => undefined, error: (e: unknown) => errors.push(e) };
  // runMigrations logs a failed migration and returns: the logger turns it into a failure.
  await engine.runMigrations({ databaseUrl: url, schema: 'stripe', logger });
  if (errors.length) throw new Error(`stripe-sync-engine migrations failed: ${String(errors[0])}`);
}

/**
 * The third-party schema, migrated by its own migrator connected as app. Its migration 0012 runs
 * `alter function set_updated_at() owner to postgres` (on Supabase the connecting owner is named
 * postgres, so it is a no-op there); app may only give an object to a role it is a member of, so
 * app is a member of the superuser role for the duration of the migrations, and the superuser
 * then gives the function back to app, its owner on a provider.
 */
async function applyStripeSchema(server: PgCluster): Promise<void> {
  await server.psql(`GRANT ${quoteIdent(server.superuser)} TO app`);
  try {
    const url = server.url(APP_DB, { user: 'app', password: APP_PASSWORD });
    await migrateStripe(url);
  } finally {
    await server.psql(`REVOKE ${quoteIdent(server.superuser)} FROM app`);
  }
  await server.psql('ALTER FUNCTION public.set_updated_at() OWNER TO app', APP_DB);
}

async function runFixture(server: PgCluster, file: string): Promise<void> {
  await server.psql(fs.readFileSync(path.join(FIXTURES, file), 'utf8'), APP_DB);
}

/** The server's data directory (from the server itself). */
async function dataDirectory(server: PgCluster): Promise<string> {
  return (await server.psql('SHOW data_directory')).trim();
}

/** Stops a server cleanly and copies its data directory aside (owned by postgres): a template. */
async function keepAsTemplate(server: PgCluster): Promise<string> {
  const data = await dataDirectory(server);
  const template = fs.mkdtempSync(path.join(os.tmpdir(), 'provider-template-'));
  const pgCtl = path.join(server.binDir, 'pg_ctl');
  const args = ['-D', data, '-m', 'fast', '-w', 'stop'];
  if (process.getuid?.() === 0)
    await runCommand('runuser', ['-u', 'postgres', '--', pgCtl, ...args]);
  else await runCommand(pgCtl, args);
  await runCommand('cp', ['-a', data, path.join(template, 'data')]);
  await server.stop().catch(() => undefined); // already stopped: stop() only removes its files
  return path.join(template, 'data');
}

/** The built source: a template data directory, and the certificate its servers use. */
export interface ProviderSource {
  template: string;
  ssl: { dir: string; cert: string; key: string };
  /** Seconds the build took. */
  seconds: number;
}

/** Builds the provider-like source database once and keeps it as a template. */
export async function buildSource(): Promise<ProviderSource> {
  const started = Date.now();
  const ssl = await makeCertificate();
  const server = await startProviderServer(ssl);
  try {
    await enableProviderExtensions(server, APP_DB);
    await runFixture(server, 'provider-auth.sql');
    await runFixture(server, 'provider-app.sql');
    await applyStripeSchema(server);
    await server.psql('VACUUM ANALYZE', APP_DB);
  } catch (e) {
    await server.stop();
    throw e;
  }
  const template = await keepAsTemplate(server);
  return { template, ssl, seconds: (Date.now() - started) / 1000 };
}

/** Starts a server on a fresh copy of the built source: the source itself, or a copy of it. */
export async function startFromSource(source: ProviderSource): Promise<PgCluster> {
  const server = await startClusterFromData(
    15,
    PG15_BIN,
    source.template,
    providerSettings(source.ssl),
  );
  await requireSsl(server, ['app', 'app2']);
  return server;
}

/** Removes the template and the certificate. */
export function removeSource(source: ProviderSource | undefined): void {
  if (!source) return;
  fs.rmSync(path.dirname(source.template), { recursive: true, force: true });
  fs.rmSync(source.ssl.dir, { recursive: true, force: true });
}
