// The same provider-like database (PostGIS, pg_cron, pg_partman, pgaudit, RLS, a provider's auth
// schema, stripe-sync-engine's schema) backed up and restored by a superuser: every restore path
// exits 0 and leaves a database equal to the source, extension tables (spatial_ref_sys) included.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { BackupReport } from '../../src/outputs/backup.js';
import { backupWith, restoreWith } from '../helpers/command-run.js';
import { startCluster, type PgCluster } from '../../scripts/lib/pg-cluster.js';
import {
  APP_DB,
  buildSource,
  createProviderRoles,
  providerSettings,
  removeSource,
  startFromSource,
  startNewProject,
  type ProviderSource,
} from '../helpers/provider-db.js';
import { attempt, captureLog, succeeded, type Outcome } from '../helpers/provider-run.js';
import { verifyWith } from '../helpers/command-run.js';
import { aboutTable, compare, snapshot, type Snapshot } from '../helpers/provider-snapshot.js';

let source: ProviderSource;
let server: PgCluster;
let store: string;
let backup: Outcome<BackupReport>;
let before: Snapshot;
const started: PgCluster[] = [];
captureLog();

/** The superuser's URL over SSL. */
function superUrl(s: PgCluster, database = APP_DB): string {
  return `${s.url(database)}?sslmode=require`;
}

/** A provider-like server with the roles and no database: pg_cron goes into `cronDatabase`. */
async function emptyProviderServer(cronDatabase: string): Promise<PgCluster> {
  const s = await startCluster(15, providerSettings(source.ssl, cronDatabase));
  started.push(s);
  await createProviderRoles(s);
  return s;
}

beforeAll(async () => {
  source = await buildSource();
  server = await startFromSource(source);
  started.push(server);
  store = await mkdtemp(join(tmpdir(), 'providers-super-'));
  backup = await attempt(() => backupWith({ 'database-url': superUrl(server), storage: store }));
  before = await snapshot(server, APP_DB);
});

afterAll(async () => {
  await Promise.all(started.map((s) => s.stop()));
  removeSource(source);
  if (store) await rm(store, { recursive: true, force: true });
});

function restoreAsSuperuser(target: string, inputs: Record<string, string> = {}) {
  const id = succeeded(backup, 'the backup as the superuser').manifest.id;
  return attempt(() =>
    restoreWith({ 'target-database-url': target, storage: store, backup: id, ...inputs }),
  );
}

describe('as the superuser', () => {
  it('backs up the PostGIS database', () => {
    const report = succeeded(backup, 'the backup as the superuser');
    expect(report.manifest.tables.map((t) => `${t.schema}.${t.name}=${t.rows}`)).toContain(
      'public.orders=100000',
    );
  });

  it('verify drills into a database it creates and drops, with no spatial_ref_sys mismatch', async () => {
    const drillServer = await emptyProviderServer('drill');
    const id = succeeded(backup, 'the backup as the superuser').manifest.id;
    const outcome = await attempt(() =>
      verifyWith({
        storage: store,
        backup: id,
        'target-database-url': superUrl(drillServer, 'drill'),
      }),
    );
    const report = succeeded(outcome, 'verify with a drill');
    expect(report.drill?.created).toBe(true);
    expect(report.drill?.comparison.mismatches).toEqual([]);
  });

  it('restores into a database it creates, the extensions created from the archive, equal to the source', async () => {
    const target = await emptyProviderServer(APP_DB);
    succeeded(await restoreAsSuperuser(superUrl(target)), 'the restore into a new database');
    expect(compare(before, await snapshot(target, APP_DB))).toEqual([]);
  });

  it('restores into a new project (extensions already enabled), equal to the source', async () => {
    const target = await startNewProject(source.ssl);
    started.push(target);
    succeeded(await restoreAsSuperuser(superUrl(target)), 'the restore into a new project');
    expect(compare(before, await snapshot(target, APP_DB))).toEqual([]);
  });

  it('overwrites a copy of the source (overwrite: true, confirm: appdb), equal to the source', async () => {
    const copy = await startFromSource(source);
    started.push(copy);
    const outcome = await restoreAsSuperuser(superUrl(copy), {
      overwrite: 'true',
      confirm: APP_DB,
    });
    succeeded(outcome, 'the overwrite');
    expect(compare(before, await snapshot(copy, APP_DB))).toEqual([]);
  });

  it('restores tables: public.orders with overwrite into a copy where it was dropped: the table whole', async () => {
    const copy = await startFromSource(source);
    started.push(copy);
    await copy.psql('DROP TABLE public.orders CASCADE', APP_DB);
    const outcome = await restoreAsSuperuser(superUrl(copy), {
      tables: 'public.orders',
      overwrite: 'true',
      confirm: APP_DB,
    });
    succeeded(outcome, 'the restore of public.orders');
    const after = await snapshot(copy, APP_DB);
    const anon = after.privileges.filter((l) => l.startsWith('public.orders anon:'));
    expect(anon).toEqual(['public.orders anon: none']);
    // Its publication membership is part of it too: nothing selected is left out silently.
    const diff = compare(before, after);
    expect(aboutTable(diff, 'public.orders').filter((l) => !l.includes('customer_totals'))).toEqual(
      [],
    );
  });
});
