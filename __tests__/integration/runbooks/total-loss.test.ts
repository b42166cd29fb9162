// Runbook 3 (examples/runbook-total-loss.yml) against real servers: the lost server is a
// PostgreSQL 15 cluster, the fresh one a PostgreSQL 18 cluster that has never seen the roles. The
// action in-process takes the backup (globals: true) and runs the restore (restore-globals: true,
// owners and grants kept) and check with the workflow's inputs; the workflow's clock, lap and
// smoke-query scripts run by bash with psql 18. End state: the new server holds the roles (with
// their passwords and memberships), the objects with their owners and grants, and the data.
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { backupWith, runStory } from '../../helpers/command-run.js';
import { loadSample, tableRowCounts } from '../../helpers/db-compare.js';
import { startCluster, type PgCluster } from '../../../scripts/lib/pg-cluster.js';
import {
  BULK_ROWS,
  queryAs,
  databaseMegabytes,
  runStep,
  seedBulk,
  stopwatch,
  tableChecksums,
} from '../../helpers/runbook-kit.js';

const WORKFLOW = 'runbook-total-loss.yml';
const OWNER_PASSWORD = 'owner-password-1';
const ROLES = `SELECT json_agg(json_build_array(r.rolname, r.rolcanlogin, r.rolcreatedb,
  (SELECT array_agg(g.rolname ORDER BY g.rolname) FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid
   WHERE m.member = r.oid)) ORDER BY r.rolname) FROM pg_roles r WHERE r.rolname LIKE 'app\\_%'`;
const OWNERS_AND_GRANTS = `SELECT json_agg(json_build_array(c.oid::regclass::text, c.relowner::regrole::text,
  coalesce(c.relacl, acldefault((CASE c.relkind WHEN 'S' THEN 's' ELSE 'r' END)::"char", c.relowner))::text)
  ORDER BY c.oid::regclass::text) FROM pg_class c
  WHERE c.relnamespace IN ('app'::regnamespace, 'bulk'::regnamespace) AND c.relkind IN ('r', 'p', 'v', 'm', 'S')`;

let lost: PgCluster;
let fresh: PgCluster;
let storage: string;

beforeAll(async () => {
  jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
  delete process.env.GITHUB_STEP_SUMMARY;
  [lost, fresh] = await Promise.all([startCluster(15), startCluster(18)]);
  await loadSample(lost, 'app');
  await seedBulk(lost, 'app');
  await lost.psql(
    `CREATE ROLE app_reader NOLOGIN;
     CREATE ROLE app_owner LOGIN CREATEDB PASSWORD '${OWNER_PASSWORD}' IN ROLE app_reader;
     ALTER SCHEMA bulk OWNER TO app_owner;
     ALTER TABLE bulk.readings OWNER TO app_owner;
     ALTER TABLE app.orders OWNER TO app_owner;
     GRANT USAGE ON SCHEMA app TO app_reader;
     GRANT SELECT ON ALL TABLES IN SCHEMA app TO app_reader;`,
    'app',
  );
  storage = await mkdtemp(join(tmpdir(), 'runbook-total-loss-'));
}, 600_000);

afterAll(async () => {
  await Promise.all([lost?.stop(), fresh?.stop()]);
});

/** Whether app_owner logs in to the new server with its old password and reads its table. */
async function ownerCanLogIn(): Promise<boolean> {
  const login = { user: 'app_owner', password: OWNER_PASSWORD };
  const run = await queryAs(fresh, 'app', login, 'SELECT count(*) FROM bulk.readings');
  return run.code === 0 && run.stdout.trim() === String(BULK_ROWS);
}

/** ACL text without MAINTAIN (`m`), which PostgreSQL 17 added to an owner's default privileges. */
function withoutMaintain(acl: string): string {
  return acl.trim().replace(/m\//g, '/');
}

/** KEY=value lines of a GITHUB_ENV file, the later ones winning. */
function envFile(text: string): Record<string, string> {
  return Object.fromEntries(
    text
      .split('\n')
      .filter((l) => l.includes('='))
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
  );
}

describe('runbook 3: total loss', () => {
  it('brings roles, owners, grants and data onto a fresh server of a newer major', async () => {
    const clock = stopwatch();
    const backup = await clock.lap('backup with globals (nightly, before the loss)', () =>
      backupWith({ 'database-url': lost.url('app'), storage, globals: 'true' }),
    );
    const expected = {
      roles: (await lost.psql(ROLES)).trim(),
      acl: withoutMaintain(await lost.psql(OWNERS_AND_GRANTS, 'app')),
      rows: await tableRowCounts(lost, 'app'),
      checksums: await tableChecksums(lost, 'app'),
    };
    await lost.stop();

    const started = await runStep(WORKFLOW, 'Start the clock', {});
    expect(started.code).toBe(0);
    const restored = await clock.lap('restore: roles, then the database', () =>
      runStory('restore', {
        'target-database-url': fresh.url('app'),
        storage,
        label: 'app',
        backup: 'latest',
        'restore-globals': 'true',
        'no-owner': 'false',
        'no-privileges': 'false',
      }),
    );
    expect(restored.outputs.verified).toBe('true');
    const lap = await runStep(WORKFLOW, "'Lap: restore'", {
      ...envFile(started.githubEnv),
      STEP: 'restore: roles, then the database',
    });
    expect(lap.code).toBe(0);
    expect(lap.summary).toMatch(/^\| restore: roles, then the database \| \d+ \|$/m);

    const check = await clock.lap('check', () =>
      runStory('check', { command: 'check', storage, label: 'app', 'max-age': '26h' }),
    );
    expect(check.outputs.healthy).toBe('true');
    const smoke = await clock.lap('smoke query', () =>
      runStep(WORKFLOW, 'Smoke query', {
        ...envFile(started.githubEnv),
        ...envFile(lap.githubEnv),
        NEW_DATABASE_URL: fresh.url('app'),
        SMOKE_QUERY: 'SELECT count(*) FROM bulk.readings',
        BACKUP_ID: restored.outputs['backup-id'] ?? '',
        NEWEST_ID: check.outputs['backup-id'] ?? '',
        AGE: check.outputs.age ?? '',
      }),
    );
    expect(smoke.code).toBe(0);
    expect(smoke.summary).toContain(`| check and smoke query (${BULK_ROWS}) |`);
    expect(smoke.summary).toMatch(/^\| \*\*total\*\* \| \d+ \|$/m);
    expect(smoke.summary).toContain(
      `Restored ${backup.manifest.id}; the newest backup is ${backup.manifest.id}`,
    );

    expect((await fresh.psql(ROLES)).trim()).toBe(expected.roles);
    expect(withoutMaintain(await fresh.psql(OWNERS_AND_GRANTS, 'app'))).toBe(expected.acl);
    expect(await tableRowCounts(fresh, 'app')).toEqual(expected.rows);
    expect(await tableChecksums(fresh, 'app')).toEqual(expected.checksums);
    expect(await ownerCanLogIn()).toBe(true);
    clock.report(
      `runbook 3 (total loss, 15 -> 18): ${await databaseMegabytes(fresh, 'app')} MB database, ${BULK_ROWS} bulk rows`,
    );
  }, 900_000);

  it('fails the smoke query step on a zero result', async () => {
    const run = await runStep(WORKFLOW, 'Smoke query', {
      NEW_DATABASE_URL: fresh.url('postgres'),
      SMOKE_QUERY: 'SELECT count(*) FROM pg_catalog.pg_class WHERE false',
      LAP_STARTED: '0',
      RECOVERY_STARTED: '0',
    });
    expect(run.code).toBe(1);
    expect(run.stdout).toContain("::error::the smoke query returned '0'");
  });
});
