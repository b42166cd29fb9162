// The Supabase-like database, backed up as its owner `app`, restored as the owner role of other
// providers' role models (never a superuser): a Neon-like project (neondb_owner, member of
// neon_superuser) and an RDS-like one (rdsmaster, member of rds_superuser), each with the provider's
// extensions enabled and the API roles (anon, authenticated, service_role) created by the owner;
// and an embedded PostgreSQL 18 that has none of pg_cron, PostGIS, pg_partman, pgaudit.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { BackupReport } from '../../src/outputs/backup.js';
import { backupWith, restoreWith } from '../helpers/command-run.js';
import type { PgCluster } from '../../scripts/lib/pg-cluster.js';
import {
  APP_DB,
  appUrl,
  buildSource,
  removeSource,
  startFromSource,
  type ProviderSource,
} from '../helpers/provider-db.js';
import {
  startNeonLike,
  startPg18Target,
  startRdsLike,
  type OwnerTarget,
} from '../helpers/provider-targets.js';
import {
  attempt,
  captureLog,
  problemLines,
  succeeded,
  type Outcome,
} from '../helpers/provider-run.js';
import {
  compare,
  ownedBy,
  privilegesGained,
  snapshot,
  type Snapshot,
} from '../helpers/provider-snapshot.js';

let source: ProviderSource;
let server: PgCluster;
let store: string;
let backup: Outcome<BackupReport>;
let before: Snapshot;
const started: PgCluster[] = [];
const log = captureLog();

beforeAll(async () => {
  source = await buildSource();
  server = await startFromSource(source);
  started.push(server);
  store = await mkdtemp(join(tmpdir(), 'providers-models-'));
  backup = await attempt(() => backupWith({ 'database-url': appUrl(server), storage: store }));
  before = await snapshot(server, APP_DB);
});

afterAll(async () => {
  await Promise.all(started.map((s) => s.stop()));
  removeSource(source);
  if (store) await rm(store, { recursive: true, force: true });
});

function restoreInto(target: string) {
  const id = succeeded(backup, 'the backup as app').manifest.id;
  return attempt(() => restoreWith({ 'target-database-url': target, storage: store, backup: id }));
}

/** What a restore as a role model's owner did: its outcome, the log's lines, the snapshot after. */
async function restoreAsOwner(target: OwnerTarget) {
  started.push(target.server);
  const empty = await snapshot(target.server, target.database);
  log.take();
  const outcome = await restoreInto(target.url);
  const lines = log.take();
  const problems = problemLines(lines);
  if (problems.length) console.log(`[providers] ${target.owner}:\n${problems.join('\n')}`);
  const after = await snapshot(target.server, target.database);
  const expected = ownedBy(before, 'app', target.owner);
  return { outcome, log: lines.join('\n'), empty, after, expected };
}

// The archive's owners (app, supabase_admin, supabase_auth_admin) do not exist there: the restored
// objects become the owner's and the grants that name them are left out, which the restore says.
describe('Neon-like: restore as neondb_owner (member of neon_superuser, not a superuser)', () => {
  it('exits 0: rows, RLS, policies, cron jobs, partman, large objects and publication equal the source; it names the missing roles; anon gains nothing', async () => {
    const run = await restoreAsOwner(await startNeonLike(source.ssl));
    succeeded(run.outcome, 'the restore as neondb_owner');
    expect(compare(run.expected, run.after, { skip: ['schema', 'privileges'] })).toEqual([]);
    expect(run.log).toContain('supabase_auth_admin');
    expect(privilegesGained(before, run.after, 'anon')).toEqual([]);
  });
});

// rdsmaster has no BYPASSRLS: it cannot write cron.job's rows of another user (RLS on cron.job).
describe('RDS-like: restore as rdsmaster (member of rds_superuser, not a superuser, no BYPASSRLS)', () => {
  it('exits 0 equal to the source (cron jobs it cannot write only with a warning naming cron.job), or fails untouched naming cron.job', async () => {
    const run = await restoreAsOwner(await startRdsLike(source.ssl));
    if (!run.outcome.ok) {
      console.log(`[providers] RDS-like restore failed with: ${run.outcome.error.message}`);
      expect(run.outcome.error.message).toContain('cron.job');
      expect(compare(run.empty, run.after)).toEqual([]);
      return;
    }
    const diff = compare(run.expected, run.after, { skip: ['schema', 'privileges'] });
    if (diff.some((l) => l.startsWith('cron:')))
      expect(problemLines(run.log.split('\n')).join('\n')).toContain('cron.job');
    expect(diff.filter((l) => !l.startsWith('cron:'))).toEqual([]);
    expect(run.log).toContain('supabase_auth_admin');
    expect(privilegesGained(before, run.after, 'anon')).toEqual([]);
  });
});

describe('PostgreSQL 18 without the extensions: restore as app', () => {
  it('fails before touching the target, naming at once every extension it lacks or app cannot create (pg_cron, postgis, pg_partman, pgaudit, pg_stat_statements)', async () => {
    const pg18 = await startPg18Target(source.ssl);
    started.push(pg18);
    const empty = await snapshot(pg18, APP_DB);
    const outcome = await restoreInto(appUrl(pg18));
    expect(outcome.ok).toBe(false);
    if (outcome.ok) return;
    console.log(`[providers] PostgreSQL 18 restore failed with: ${outcome.error.message}`);
    // pg_stat_statements is there but not trusted: app cannot create it either.
    const missing = ['pg_cron', 'postgis', 'pg_partman', 'pgaudit', 'pg_stat_statements'];
    expect(missing.filter((name) => !outcome.error.message.includes(name))).toEqual([]);
    expect(compare(empty, await snapshot(pg18, APP_DB))).toEqual([]);
  });
});
