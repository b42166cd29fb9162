/**
 * Targets on other role models for the providers tier: a Neon-like and an RDS-like PostgreSQL 15
 * (the owner is not a superuser; the provider's superuser enabled the extensions) and an embedded
 * PostgreSQL 18 without any of the provider's extensions.
 */
import {
  quoteIdent,
  quoteLiteral,
  startCluster,
  type PgCluster,
} from '../../scripts/lib/pg-cluster.js';
import {
  API_ROLES,
  APP_DB,
  OWNER_PASSWORD,
  createOwnedDatabase,
  createProviderRoles,
  enableProviderExtensions,
  providerSettings,
  requireSsl,
  sslUrl,
  type ProviderRoles,
} from './provider-db.js';

/** A database on another provider's role model, and the URL of its owner (not a superuser). */
export interface OwnerTarget {
  server: PgCluster;
  database: string;
  owner: string;
  url: string;
}

/**
 * As the owner would before restoring a Supabase archive elsewhere: create the API roles its
 * policies and grants name (NOLOGIN). The provider's own roles (supabase_admin,
 * supabase_auth_admin) and app are not created: the restored objects become the owner's.
 */
async function createApiRolesAs(server: PgCluster, owner: string): Promise<void> {
  const create = API_ROLES.map((r) => `CREATE ROLE ${quoteIdent(r)} NOLOGIN;`).join('\n');
  await server.psql(`SET ROLE ${quoteIdent(owner)};\n${create}`);
}

/** A role model's server: its roles (`rolesSql`), the owner's database, the API roles, the provider's extensions. */
async function startOwnerTarget(
  ssl: { cert: string; key: string },
  database: string,
  roles: ProviderRoles,
  rolesSql: string,
): Promise<OwnerTarget> {
  const server = await startCluster(15, providerSettings(ssl, database));
  try {
    await server.psql(rolesSql);
    await createOwnedDatabase(server, database, roles.owner);
    await createApiRolesAs(server, roles.owner);
    await enableProviderExtensions(server, database, roles);
    await requireSsl(server, [roles.owner]);
  } catch (e) {
    await server.stop();
    throw e;
  }
  const url = sslUrl(server, database, roles.owner, OWNER_PASSWORD);
  return { server, database, owner: roles.owner, url };
}

/** Neon-like: neon_superuser (CREATEDB CREATEROLE BYPASSRLS), owner neondb_owner a member of it, no superuser. */
export function startNeonLike(ssl: { cert: string; key: string }): Promise<OwnerTarget> {
  const roles = { admin: 'cloud_admin', owner: 'neondb_owner' };
  return startOwnerTarget(
    ssl,
    'neondb',
    roles,
    `
    CREATE ROLE cloud_admin SUPERUSER NOLOGIN;
    CREATE ROLE neon_superuser NOLOGIN CREATEDB CREATEROLE BYPASSRLS;
    CREATE ROLE neondb_owner LOGIN PASSWORD ${quoteLiteral(OWNER_PASSWORD)}
      CREATEDB CREATEROLE BYPASSRLS IN ROLE neon_superuser;`,
  );
}

/** RDS-like: master user rdsmaster (CREATEDB CREATEROLE, no BYPASSRLS) a member of rds_superuser, no superuser. */
export function startRdsLike(ssl: { cert: string; key: string }): Promise<OwnerTarget> {
  const roles = { admin: 'rdsadmin', owner: 'rdsmaster' };
  return startOwnerTarget(
    ssl,
    'rdsdb',
    roles,
    `
    CREATE ROLE rdsadmin SUPERUSER NOLOGIN;
    CREATE ROLE rds_superuser NOLOGIN;
    CREATE ROLE rdsmaster LOGIN PASSWORD ${quoteLiteral(OWNER_PASSWORD)}
      CREATEDB CREATEROLE IN ROLE rds_superuser;`,
  );
}

/** An embedded PostgreSQL 18 (SSL on) with the Supabase roles and an empty appdb owned by app: none of the extensions. */
export async function startPg18Target(ssl: { cert: string; key: string }): Promise<PgCluster> {
  const server = await startCluster(18, {
    settings: { ssl: 'on', ssl_cert_file: ssl.cert, ssl_key_file: ssl.key },
  });
  await createProviderRoles(server);
  await createOwnedDatabase(server, APP_DB, 'app');
  await requireSsl(server, ['app', 'app2']);
  return server;
}
