// Roles and tablespaces (globals: true, restore-globals: true) with real PostgreSQL 15 and 18
// servers, local-directory and S3 storage and the commands in-process: roles with passwords,
// NOLOGIN roles, a quoted name, memberships, a role setting and a comment, grants and owners in
// the database; restored into a fresh server of the same major and of a newer one with
// no-owner/no-privileges false, so OWNER TO and GRANT work; a target where one role already exists
// with other attributes (kept, reported, unchanged); a second run that changes nothing; a provider
// role skipped; a non-superuser source (no passwords, said so); a backup without globals refused.
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import pg from 'pg';
import { backupSummaryRows } from '../../src/outputs/backup.js';
import { backupWith, readManifest, restoreWith } from '../helpers/command-run.js';
import { startCluster, type PgCluster } from '../../scripts/lib/pg-cluster.js';
import { S3_CREDENTIALS, startS3Server, type S3Server } from '../../scripts/lib/s3-server.js';

const BUCKET = 'globals-backups';
let source: PgCluster;
let same: PgCluster;
let newer: PgCluster;
let s3: S3Server;

const ROLES = `
  CREATE ROLE app_owner LOGIN PASSWORD 'owner-pw';
  CREATE ROLE app_ro NOLOGIN;
  CREATE ROLE "Sales Team" NOLOGIN;
  CREATE ROLE app_user LOGIN PASSWORD 'user-pw' CONNECTION LIMIT 5;
  CREATE ROLE rds_superuser NOLOGIN;
  CREATE ROLE backup_user LOGIN PASSWORD 'backup-pw';
  GRANT app_ro TO app_user;
  GRANT "Sales Team" TO app_user WITH ADMIN OPTION;
  ALTER ROLE app_user SET search_path = app, public;
  COMMENT ON ROLE app_ro IS 'read-only; for reports';
`;
const SHOP = `
  CREATE SCHEMA app AUTHORIZATION app_owner;
  SET ROLE app_owner;
  CREATE TABLE app.orders (id int PRIMARY KEY, total numeric);
  INSERT INTO app.orders SELECT g, g * 1.5 FROM generate_series(1, 50) g;
  GRANT USAGE ON SCHEMA app TO app_ro;
  GRANT SELECT ON app.orders TO app_ro;
  GRANT INSERT ON app.orders TO "Sales Team";
  GRANT USAGE ON SCHEMA app TO backup_user;
  GRANT SELECT ON app.orders TO backup_user;
  RESET ROLE;
`;

beforeAll(async () => {
  Object.assign(process.env, S3_CREDENTIALS, { AWS_EC2_METADATA_DISABLED: 'true' });
  delete process.env.GITHUB_STEP_SUMMARY;
  [source, same, newer, s3] = await Promise.all([
    startCluster(15),
    startCluster(15),
    startCluster(18),
    startS3Server([BUCKET]),
  ]);
  await source.psql(ROLES);
  await source.createDatabase('shop');
  await source.psql(SHOP, 'shop');
  // `same` is an RDS-like server (its marker role exists): rds_* roles there are RDS's own.
  await same.psql('CREATE ROLE rdsadmin NOLOGIN');
  // A role that already exists on the newer target, with other attributes than in the backup.
  await newer.psql(
    `CREATE ROLE app_ro CREATEDB CONNECTION LIMIT 3; COMMENT ON ROLE app_ro IS 'mine'`,
  );
}, 240_000);

afterAll(async () => {
  await Promise.all([source, same, newer].map((c) => c?.stop()));
  await s3?.stop();
});

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');
const rows = async (cluster: PgCluster, sql: string, db = 'postgres') =>
  (await cluster.psql(sql, db)).trim();
/** Logs in with a password over TCP (scram-sha-256) and returns current_user. */
async function loginAs(cluster: PgCluster, user: string, password: string): Promise<string> {
  const client = new pg.Client({ connectionString: cluster.url('shop', { user, password }) });
  await client.connect();
  try {
    const result = await client.query<{ u: string }>('SELECT current_user AS u');
    return result.rows[0]?.u ?? '';
  } finally {
    await client.end();
  }
}
const roleAttributes = (cluster: PgCluster, role: string) =>
  rows(
    cluster,
    `SELECT rolcanlogin, rolcreatedb, rolconnlimit, shobj_description(oid, 'pg_authid')
       FROM pg_roles WHERE rolname = '${role}'`,
  );

describe('globals: true', () => {
  let storage: string;
  let id: string;

  beforeAll(async () => {
    storage = await mkdtemp(join(tmpdir(), 'globals-local-'));
    const report = await backupWith({
      'database-url': source.url('shop'),
      storage,
      globals: 'true',
    });
    id = report.manifest.id;
  }, 120_000);

  it('stores pg_dumpall --globals-only with passwords, compressed, recorded in the manifest', async () => {
    const manifest = await readManifest(join(storage, `${id}.manifest.json`));
    expect(manifest.client.pgDumpVersion).toMatch(/^15\./);
    expect(manifest.globals).toMatchObject({ key: `${id}.globals.sql.gz`, rolePasswords: true });
    const stored = await readFile(join(storage, manifest.globals?.key ?? ''));
    expect(manifest.globals?.size).toBe(stored.length);
    expect(manifest.globals?.sha256).toBe(sha256(stored));
    const sql = gunzipSync(stored).toString('utf8');
    expect(sql).toContain('CREATE ROLE app_user;');
    expect(sql).toContain('CREATE ROLE "Sales Team";');
    expect(sql).toMatch(/ALTER ROLE app_user WITH .*PASSWORD 'SCRAM-SHA-256\$/);
  });

  it('restores into a fresh server of the same major: roles, memberships, owners and grants', async () => {
    const report = await restoreWith({
      'target-database-url': same.url('shop'),
      storage,
      label: 'shop',
      'restore-globals': 'true',
      'no-owner': 'false',
      'no-privileges': 'false',
    });
    expect(report.comparison.mismatches).toEqual([]);
    expect(await roleAttributes(same, 'app_user')).toBe('t|f|5|');
    expect(await roleAttributes(same, 'app_ro')).toBe('f|f|-1|read-only; for reports');
    expect(await rows(same, `SELECT rolconfig FROM pg_roles WHERE rolname = 'app_user'`)).toBe(
      '{"search_path=app, public"}',
    );
    expect(
      await rows(
        same,
        `SELECT r.rolname, m.rolname, a.admin_option FROM pg_auth_members a
           JOIN pg_roles r ON r.oid = a.roleid JOIN pg_roles m ON m.oid = a.member
          WHERE m.rolname = 'app_user' ORDER BY 1`,
      ),
    ).toBe('Sales Team|app_user|t\napp_ro|app_user|f');
    expect(
      await rows(same, `SELECT tableowner FROM pg_tables WHERE tablename = 'orders'`, 'shop'),
    ).toBe('app_owner');
    expect(
      await rows(same, `SELECT has_table_privilege('app_ro', 'app.orders', 'SELECT')`, 'shop'),
    ).toBe('t');
    // The password came along: the restored role logs in with it.
    expect(await loginAs(same, 'app_user', 'user-pw')).toBe('app_user');
  }, 120_000);

  it('reports created, kept and skipped roles, and a second run changes nothing', async () => {
    const summary = join(await mkdtemp(join(tmpdir(), 'globals-summary-')), 'summary.md');
    await writeFile(summary, '');
    process.env.GITHUB_STEP_SUMMARY = summary;
    try {
      await restoreWith({
        'target-database-url': same.url('shop_third'),
        storage,
        label: 'shop',
        'restore-globals': 'true',
      });
    } finally {
      delete process.env.GITHUB_STEP_SUMMARY;
    }
    const text = await readFile(summary, 'utf8');
    expect(text).toContain('Roles and tablespaces');
    expect(text).toMatch(/Roles created<\/td><td>none/);
    expect(text).toMatch(/Roles kept as they are<\/td><td>[^<]*app_user/);
    expect(text).toMatch(/rds_superuser \(reserved by RDS on this server\)/);
    expect(text).toMatch(
      /postgres \((the connecting user|the bootstrap superuser of the target)\)/,
    );
  }, 120_000);

  it('restores into a newer major, keeping an existing role exactly as it was', async () => {
    const before = await roleAttributes(newer, 'app_ro');
    const report = await restoreWith({
      'target-database-url': newer.url('shop'),
      storage,
      label: 'shop',
      'restore-globals': 'true',
      'no-owner': 'false',
      'no-privileges': 'false',
    });
    expect(report.comparison.mismatches).toEqual([]);
    expect(before).toBe('f|t|3|mine');
    expect(await roleAttributes(newer, 'app_ro')).toBe(before);
    expect(await roleAttributes(newer, 'app_user')).toBe('t|f|5|');
    expect(await rows(newer, `SELECT pg_has_role('app_user', 'app_ro', 'MEMBER')`)).toBe('t');
    expect(
      await rows(newer, `SELECT has_table_privilege('app_ro', 'app.orders', 'SELECT')`, 'shop'),
    ).toBe('t');
    expect(
      await rows(newer, `SELECT tableowner FROM pg_tables WHERE tablename = 'orders'`, 'shop'),
    ).toBe('app_owner');
  }, 120_000);
});

describe('globals from a user that cannot read pg_authid, through S3', () => {
  const s3Inputs = () => ({
    storage: `s3://${BUCKET}/nonsuper/`,
    's3-endpoint': s3.endpoint,
    's3-force-path-style': 'true',
  });

  it('leaves the passwords out and says so in the manifest and the summary', async () => {
    const report = await backupWith({
      'database-url': source.url('shop', { user: 'backup_user', password: 'backup-pw' }),
      ...s3Inputs(),
      globals: 'true',
      format: 'plain',
      compression: 'zstd',
    });
    const globals = report.manifest.globals;
    expect(globals).toMatchObject({
      key: `${report.manifest.id}.globals.sql.zst`,
      rolePasswords: false,
    });
    const row = backupSummaryRows(report).find(([field]) => field === 'Roles and tablespaces');
    expect(row?.[1]).toContain('role passwords NOT included');

    const target = await startCluster(15);
    try {
      const restored = await restoreWith({
        'target-database-url': target.url('shop'),
        label: 'shop',
        ...s3Inputs(),
        'restore-globals': 'true',
        'no-owner': 'false',
        'no-privileges': 'false',
      });
      expect(restored.comparison.mismatches).toEqual([]);
      expect(await roleAttributes(target, 'app_user')).toBe('t|f|5|');
      expect(
        await rows(target, `SELECT rolpassword IS NULL FROM pg_authid WHERE rolname = 'app_user'`),
      ).toBe('t');
    } finally {
      await target.stop();
    }
  }, 180_000);
});

describe('restore-globals without globals in the backup', () => {
  it('fails clearly before the target is touched', async () => {
    const storage = await mkdtemp(join(tmpdir(), 'globals-none-'));
    await backupWith({ 'database-url': source.url('shop'), storage });
    const run = restoreWith({
      'target-database-url': same.url('never_created'),
      storage,
      label: 'shop',
      'restore-globals': 'true',
    });
    await expect(run).rejects.toThrow(/has no roles and tablespaces.*globals: true/);
    expect(
      await rows(same, `SELECT count(*) FROM pg_database WHERE datname = 'never_created'`),
    ).toBe('0');
  }, 120_000);
});
