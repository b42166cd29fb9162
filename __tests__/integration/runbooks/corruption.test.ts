// Runbook 2 (examples/runbook-corruption.yml) against a real PostgreSQL 17 server: the workflow's
// fence and un-fence scripts run by bash with psql 18, the safety snapshot and the overwrite
// restore by the action in-process with the workflow's inputs. End state: the damaged database
// (rows changed, a table dropped, a column added by a bad migration) equals the backup again,
// owners and grants included; the snapshot of the damaged state exists under its own label.
import { readdir } from 'node:fs/promises';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { backupWith, readManifest, runStory } from '../../helpers/command-run.js';
import { loadSample, schemaDump, tableRowCounts } from '../../helpers/db-compare.js';
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

const WORKFLOW = 'runbook-corruption.yml';
const APP_PASSWORD = 'app-rw-password';
// Owners and privileges; no ACL (null) is the owner's default, which pg_dump writes as nothing.
const OWNERS_AND_GRANTS = `SELECT json_agg(json_build_array(c.oid::regclass::text, c.relowner::regrole::text,
  coalesce(c.relacl, acldefault((CASE c.relkind WHEN 'S' THEN 's' ELSE 'r' END)::"char", c.relowner))::text)
  ORDER BY c.oid::regclass::text) FROM pg_class c
  WHERE c.relnamespace IN ('app'::regnamespace, 'bulk'::regnamespace) AND c.relkind IN ('r', 'p', 'v', 'm', 'S')`;

let production: PgCluster;
let storage: string;

beforeAll(async () => {
  jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
  delete process.env.GITHUB_STEP_SUMMARY;
  production = await startCluster(17);
  await loadSample(production, 'app');
  await seedBulk(production, 'app');
  await production.psql(
    `CREATE ROLE app_rw LOGIN PASSWORD '${APP_PASSWORD}';
     GRANT USAGE ON SCHEMA app, bulk TO app_rw;
     GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA app, bulk TO app_rw;
     ALTER TABLE app.settings OWNER TO app_rw;`,
    'app',
  );
  storage = await mkdtemp(join(tmpdir(), 'runbook-corruption-'));
}, 600_000);

afterAll(async () => {
  await production?.stop();
});

/** Whether app_rw can log in and read (the application's view). */
async function appCanConnect(): Promise<boolean> {
  const login = { user: 'app_rw', password: APP_PASSWORD };
  const run = await queryAs(production, 'app', login, 'SELECT 1 FROM app.orders LIMIT 1');
  return run.code === 0;
}

async function goodState() {
  return {
    schema: await schemaDump(production, 'app'),
    rows: await tableRowCounts(production, 'app'),
    checksums: await tableChecksums(production, 'app'),
    acl: (await production.psql(OWNERS_AND_GRANTS, 'app')).trim(),
  };
}

describe('runbook 2: corruption or a bad migration', () => {
  it('restores the backup over the damaged database after a safety snapshot', async () => {
    const clock = stopwatch();
    const backup = await clock.lap('backup (nightly, before the damage)', () =>
      backupWith({ 'database-url': production.url('app'), storage }),
    );
    const good = await goodState();
    await production.psql(
      `UPDATE app.customers SET name = 'oops', credit = 0 WHERE id % 7 = 0;
       DELETE FROM bulk.readings WHERE id % 4 = 0;
       DROP TABLE app.settings;
       ALTER TABLE app.orders ADD COLUMN migrated_flag integer NOT NULL DEFAULT 1;
       CREATE INDEX orders_migrated_idx ON app.orders (migrated_flag);`,
      'app',
    );
    expect(await tableChecksums(production, 'app')).not.toEqual(good.checksums);
    const env = { PRODUCTION_DATABASE_URL: production.url('app'), APP_ROLE: 'app_rw' };

    expect(await appCanConnect()).toBe(true);
    const fenced = await clock.lap('fence the application', () =>
      runStep(WORKFLOW, 'Fence the application', env),
    );
    expect(fenced.code).toBe(0);
    expect(await appCanConnect()).toBe(false);

    const snapshot = await clock.lap('safety snapshot (label app-pre-recovery)', () =>
      backupWith({
        'database-url': production.url('app'),
        storage,
        label: 'app-pre-recovery',
        labels: 'reason=pre-recovery\nrun=4242',
        'keep-within': '90d',
      }),
    );
    const { report: restored, outputs } = await clock.lap('restore with overwrite + confirm', () =>
      runStory('restore', {
        'target-database-url': production.url('app'),
        storage,
        label: 'app',
        backup: 'latest',
        overwrite: 'true',
        confirm: 'app',
        'no-owner': 'false',
        'no-privileges': 'false',
      }),
    );
    expect(restored.manifest.id).toBe(backup.manifest.id);
    const checked = await runStep(WORKFLOW, 'Check the rows against the manifest', {
      VERIFIED: outputs.verified ?? '',
      BACKUP_ID: outputs['backup-id'] ?? '',
      TABLES: outputs.tables ?? '',
      ROWS: outputs.rows ?? '',
      SNAPSHOT_ID: snapshot.manifest.id,
    });
    expect(checked.code).toBe(0);
    expect(checked.summary).toContain(
      `- The damaged state is kept as backup ${snapshot.manifest.id}`,
    );
    const back = await clock.lap('let the application back in', () =>
      runStep(WORKFLOW, 'Let the application back in', env),
    );
    expect(back.code).toBe(0);
    expect(await appCanConnect()).toBe(true);

    expect(await goodState()).toEqual(good);
    const files = (await readdir(storage)).filter((f) => f.endsWith('.manifest.json'));
    expect(files.filter((f) => f.startsWith('app-pre-recovery-'))).toEqual([
      `${snapshot.manifest.id}.manifest.json`,
    ]);
    const kept = await readManifest(join(storage, `${snapshot.manifest.id}.manifest.json`));
    expect(kept.label).toBe('app-pre-recovery');
    expect(kept.labels).toEqual({ reason: 'pre-recovery', run: '4242' });
    expect(kept.tables.find((t) => t.name === 'readings')?.rows).toBe(BULK_ROWS * 0.75);
    expect(kept.tables.some((t) => t.name === 'settings')).toBe(false);
    clock.report(
      `runbook 2 (corruption): ${await databaseMegabytes(production, 'app')} MB database, ${BULK_ROWS} bulk rows`,
    );
  }, 900_000);

  it('fails the row check step when the restore did not verify', async () => {
    const run = await runStep(WORKFLOW, 'Check the rows against the manifest', {
      VERIFIED: 'false',
      BACKUP_ID: 'app-20261122T020000Z',
    });
    expect(run.code).toBe(1);
    expect(run.stdout).toContain(
      '::error::row counts of app-20261122T020000Z differ from its manifest',
    );
  });
});
