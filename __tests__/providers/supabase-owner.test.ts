// A Supabase-like database (provider-owned extensions, pg_cron, pg_partman, PostGIS, RLS with
// policies for the API roles, a provider's auth schema, stripe-sync-engine's schema, 100,000 orders)
// backed up, drilled and restored as its owner `app`: not a superuser, connecting over SSL
// (sslmode=require) with a password that must be percent-encoded in the URL.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { BackupReport } from '../../src/outputs/backup.js';
import { backupWith, restoreWith } from '../helpers/command-run.js';
import type { PgCluster } from '../../scripts/lib/pg-cluster.js';
import {
  APP2_PASSWORD,
  APP_DB,
  appUrl,
  buildSource,
  createOwnedDatabase,
  removeSource,
  sslUrl,
  startFromSource,
  startNewProject,
  type ProviderSource,
} from '../helpers/provider-db.js';
import {
  attempt,
  captureLog,
  problemLines,
  succeeded,
  type Outcome,
} from '../helpers/provider-run.js';
import { verifyWith } from '../helpers/command-run.js';
import { aboutTable, compare, snapshot, type Snapshot } from '../helpers/provider-snapshot.js';

/** The extensions of the archive that a database owner cannot create (not trusted, or superuser-only). */
const UNCREATABLE = ['pg_cron', 'postgis', 'pg_partman', 'pgaudit', 'pg_stat_statements'];

let source: ProviderSource;
let server: PgCluster;
let newProject: PgCluster;
let drillProject: PgCluster;
let store: string;
let backup: Outcome<BackupReport>;
let before: Snapshot;
const log = captureLog();
const started: PgCluster[] = [];

beforeAll(async () => {
  source = await buildSource();
  console.log(`[providers] source built in ${source.seconds.toFixed(1)} s`);
  [server, newProject, drillProject] = await Promise.all([
    startFromSource(source),
    startNewProject(source.ssl),
    startNewProject(source.ssl),
  ]);
  started.push(server, newProject, drillProject);
  store = await mkdtemp(join(tmpdir(), 'providers-store-'));
  backup = await attempt(() => backupWith({ 'database-url': appUrl(server), storage: store }));
  before = await snapshot(server, APP_DB);
  log.take();
});

afterAll(async () => {
  await Promise.all(started.map((s) => s.stop()));
  removeSource(source);
  if (store) await rm(store, { recursive: true, force: true });
});

/** The backup's id; the backup test reports why when there is none. */
function backupId(): string {
  return succeeded(backup, 'the backup as app').manifest.id;
}

/** Restores the backup as app (SSL, percent-encoded password) with extra inputs. */
function restoreAsApp(target: string, inputs: Record<string, string> = {}) {
  return attempt(() =>
    restoreWith({ 'target-database-url': target, storage: store, backup: backupId(), ...inputs }),
  );
}

describe('backup as the non-superuser owner over SSL', () => {
  it('succeeds with default inputs (custom format) into a directory and lists every table', () => {
    const report = succeeded(backup, 'the backup as app');
    const tables = report.manifest.tables.map((t) => `${t.schema}.${t.name}=${t.rows}`);
    expect(report.manifest.dump.format).toBe('custom');
    expect(tables).toEqual(
      expect.arrayContaining([
        'public.orders=100000',
        'public.customers=1000',
        'auth.users=50',
        'stripe.migrations=43',
      ]),
    );
    expect(
      report.manifest.tables.some((t) => t.schema === 'stripe' && t.name === 'customers'),
    ).toBe(true);
  });
});

describe('verify with a restore drill into a new project', () => {
  it('passes, with no row mismatch for extension tables such as spatial_ref_sys', async () => {
    const outcome = await attempt(() =>
      verifyWith({
        storage: store,
        backup: backupId(),
        'target-database-url': appUrl(drillProject),
      }),
    );
    const report = succeeded(outcome, 'verify with a drill');
    expect(report.drill?.comparison.mismatches).toEqual([]);
    expect(report.archive.mismatches).toEqual([]);
  });
});

describe('restore into a new project (extensions already enabled by the provider)', () => {
  it('exits 0 and the project equals the source: rows, policies, cron jobs, large objects, publication, privileges', async () => {
    const outcome = await restoreAsApp(appUrl(newProject));
    const lines = problemLines(log.take());
    if (lines.length) console.log(`[providers] new project restore said:\n${lines.join('\n')}`);
    succeeded(outcome, 'the restore into a new project');
    expect(compare(before, await snapshot(newProject, APP_DB))).toEqual([]);
  });
});

describe('restore into an empty Neon branch owned by another non-superuser (app2)', () => {
  it('succeeds, or fails before touching the target naming every extension app2 cannot create', async () => {
    await createOwnedDatabase(newProject, 'branch', 'app2');
    const empty = await snapshot(newProject, 'branch');
    const outcome = await restoreAsApp(sslUrl(newProject, 'branch', 'app2', APP2_PASSWORD));
    const after = await snapshot(newProject, 'branch');
    if (outcome.ok) {
      expect(compare(before, after, { skip: ['schema', 'privileges'] })).toEqual([]);
      return;
    }
    console.log(`[providers] app2 branch restore failed with: ${outcome.error.message}`);
    for (const name of UNCREATABLE) expect(outcome.error.message).toContain(name);
    expect(compare(empty, after)).toEqual([]);
  });
});

describe('overwrite of a copy of the source (overwrite: true, confirm: appdb)', () => {
  let copy: PgCluster;
  let outcome: Outcome<unknown>;
  beforeAll(async () => {
    copy = await startFromSource(source);
    started.push(copy);
    outcome = await restoreAsApp(appUrl(copy), { overwrite: 'true', confirm: APP_DB });
  });

  it('exits 0 and leaves the privileges of every role on every table unchanged', async () => {
    succeeded(outcome, 'the overwrite');
    const diff = compare(before, await snapshot(copy, APP_DB));
    expect(diff.filter((l) => l.startsWith('privileges:'))).toEqual([]);
  });

  it('leaves the copy equal to the source', async () => {
    succeeded(outcome, 'the overwrite');
    expect(compare(before, await snapshot(copy, APP_DB))).toEqual([]);
  });
});

describe('tables: public.orders with overwrite into a copy where orders was dropped', () => {
  it('brings the table back whole (keys, indexes, foreign key, trigger, identity, RLS, policies, grants) and anon gains nothing', async () => {
    const copy = await startFromSource(source);
    started.push(copy);
    // Dropping it takes the materialized view over it along (not part of the selection).
    await copy.psql('SET ROLE app; DROP TABLE public.orders CASCADE', APP_DB);
    const outcome = await restoreAsApp(appUrl(copy), {
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
