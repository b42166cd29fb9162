// Runbook 1 (examples/runbook-deletion.yml) against real servers: production and a scratch server
// (PostgreSQL 17, as the workflow's service container), the action in-process for the backup and
// the restore into scratch, and the workflow's own copy-back and drop scripts run by bash with
// psql/pg_dump 18. End state: the deleted rows and the dropped table are back, rows written or
// changed after the backup are as production had them, every other table is unchanged.
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { backupWith, restoreWith } from '../../helpers/command-run.js';
import { loadSample } from '../../helpers/db-compare.js';
import { startCluster, type PgCluster } from '../../../scripts/lib/pg-cluster.js';
import {
  BULK_ROWS,
  databaseMegabytes,
  runStep,
  seedBulk,
  stopwatch,
  tableChecksums,
} from '../../helpers/runbook-kit.js';

const WORKFLOW = 'runbook-deletion.yml';
const COPY_BACK = 'Copy the missing rows back in one transaction';
// Rows the backup has and the checks compare: order 1 is changed after the backup, new orders
// get ids above 3000.
const AS_BACKED_UP = { 'app.orders': 'id <> 1 AND id <= 3000' };
const TABLES = 'app.settings, app.orders, app.events, Sales Data.Odd "Name" Table, bulk.readings';

let production: PgCluster;
let scratch: PgCluster;
let storage: string;

beforeAll(async () => {
  jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
  delete process.env.GITHUB_STEP_SUMMARY;
  [production, scratch] = await Promise.all([startCluster(17), startCluster(17)]);
  await loadSample(production, 'app');
  await seedBulk(production, 'app');
  storage = await mkdtemp(join(tmpdir(), 'runbook-deletion-'));
}, 600_000);

afterAll(async () => {
  await Promise.all([production?.stop(), scratch?.stop()]);
});

/** The accident, and the writes production took after it. */
async function deleteAndWriteOn(): Promise<void> {
  await production.psql(
    `DELETE FROM app.orders WHERE id % 3 = 0;
     DELETE FROM app.events WHERE id % 10 = 0;
     DELETE FROM "Sales Data"."Odd ""Name"" Table" WHERE "Id" > 40;
     DELETE FROM bulk.readings WHERE id % 10 = 0;
     DROP TABLE app.settings;
     INSERT INTO app.orders (customer_id, quantity, unit_price, ordered_at)
       VALUES (1, 2, 3.50, '2026-12-01T00:00:00Z');
     UPDATE app.orders SET note = 'changed after the backup' WHERE id = 1;`,
    'app',
  );
}

function copyBackEnv(apply: boolean, backupId: string, tables = TABLES): Record<string, string> {
  return {
    PRODUCTION_DATABASE_URL: production.url('app'),
    SCRATCH_URL: scratch.url('recovery'),
    TABLES: tables,
    APPLY: String(apply),
    BACKUP_ID: backupId,
  };
}

describe('runbook 1: accidental deletion', () => {
  it('copies the deleted rows and the dropped table back, and changes nothing else', async () => {
    const clock = stopwatch();
    const backup = await clock.lap('backup (nightly, before the accident)', () =>
      backupWith({ 'database-url': production.url('app'), storage }),
    );
    const before = await tableChecksums(production, 'app', AS_BACKED_UP);
    await deleteAndWriteOn();
    const damaged = await tableChecksums(production, 'app');

    // The newest backup at or before a time: the one taken before the accident.
    const restored = await clock.lap('restore the backup into scratch', () =>
      restoreWith({
        'target-database-url': scratch.url('recovery'),
        storage,
        backup: new Date().toISOString(),
      }),
    );
    expect(restored.manifest.id).toBe(backup.manifest.id);

    const dry = await clock.lap('copy-back dry run (rolled back)', () =>
      runStep(WORKFLOW, COPY_BACK, copyBackEnv(false, backup.manifest.id)),
    );
    expect(dry.stderr).toBe('');
    expect(dry.code).toBe(0);
    expect(dry.summary).toContain('(dry run, rolled back)');
    expect(dry.summary).toContain('| app.orders | 3000 | 2001 | 1000 |');
    expect(dry.summary).toContain('| app.settings | 4 | dropped | 4: table recreated |');
    expect(dry.summary).toContain('| Sales Data.Odd "Name" Table | 50 | 40 | 10 |');
    expect(dry.summary).toContain(
      `| bulk.readings | ${BULK_ROWS} | ${BULK_ROWS * 0.9} | ${BULK_ROWS * 0.1} |`,
    );
    expect(await tableChecksums(production, 'app')).toEqual(damaged);

    const applied = await clock.lap('copy-back (one transaction)', () =>
      runStep(WORKFLOW, COPY_BACK, copyBackEnv(true, backup.manifest.id)),
    );
    expect(applied.code).toBe(0);
    expect(applied.summary).toContain(`### Rows back from ${backup.manifest.id} (committed)`);
    expect(applied.summary).toContain('| app.events | 1500 | 1350 | 150 |');

    const dropped = await clock.lap('drop the scratch database', () =>
      runStep(WORKFLOW, 'Drop the scratch database', {
        SCRATCH_ADMIN_URL: scratch.url('postgres'),
      }),
    );
    expect(dropped.code).toBe(0);
    expect(
      (await scratch.psql("SELECT count(*) FROM pg_database WHERE datname = 'recovery'")).trim(),
    ).toBe('0');

    expect(await tableChecksums(production, 'app', AS_BACKED_UP)).toEqual(before);
    const kept = await production.psql(
      `SELECT (SELECT note FROM app.orders WHERE id = 1),
              (SELECT count(*) FROM app.orders WHERE id > 3000),
              (SELECT count(*) FROM pg_constraint WHERE conname = 'settings_key_unique')`,
      'app',
    );
    expect(kept.trim()).toBe('changed after the backup|1|1');
    clock.report(
      `runbook 1 (deletion): ${await databaseMegabytes(production, 'app')} MB database, ${BULK_ROWS} bulk rows, ${BULK_ROWS * 0.1 + 1164} rows copied back`,
    );
  }, 900_000);

  it('refuses a table without a key and leaves production as it was', async () => {
    const backup = await backupWith({ 'database-url': production.url('app'), storage });
    await restoreWith({ 'target-database-url': scratch.url('recovery'), storage });
    await production.psql('DELETE FROM archive.child_log WHERE id % 2 = 0', 'app');
    const damaged = await tableChecksums(production, 'app');
    const run = await runStep(
      WORKFLOW,
      COPY_BACK,
      copyBackEnv(true, backup.manifest.id, 'app.orders, archive.child_log'),
    );
    expect(run.code).not.toBe(0);
    expect(run.stdout).toContain(
      '::error::archive.child_log has no primary key or unique constraint in production',
    );
    expect(await tableChecksums(production, 'app')).toEqual(damaged);
    await runStep(WORKFLOW, 'Drop the scratch database', {
      SCRATCH_ADMIN_URL: scratch.url('postgres'),
    });
  }, 600_000);
});
