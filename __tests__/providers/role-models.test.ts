// The Supabase-like database, backed up as its owner `app`, restored as the owner role of other
// providers' role models (never a superuser): a Neon-like project (neondb_owner, member of
// neon_superuser) and an RDS-like one (rdsmaster, member of rds_superuser), each with the provider's
// extensions enabled and the archive's roles created by the owner; and an embedded PostgreSQL 18
// that has none of pg_cron, PostGIS, pg_partman, pgaudit.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import type { BackupReport } from '../../src/outputs/backup.js';
import { backupWith, restoreWith } from '../helpers/backup-run.js';
import type { PgCluster } from '../helpers/pg-cluster.js';
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
import { compare, snapshot, type Snapshot } from '../helpers/provider-snapshot.js';

jest.setTimeout(300_000);

/** Schema statements that name the provider's own roles: they differ between providers by design. */
const PROVIDER_OWNED = [
  /supabase_admin|cloud_admin|rdsadmin|neondb_owner|rdsmaster/,
  /EVENT TRIGGER|grant_pg_cron_access/,
];

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

/** Restores as the target's owner and compares everything but the provider's own statements. */
async function restoreAsOwner(target: OwnerTarget): Promise<string[]> {
  started.push(target.server);
  log.take();
  const outcome = await restoreInto(target.url);
  const lines = problemLines(log.take());
  if (lines.length) console.log(`[providers] ${target.owner} restore said:\n${lines.join('\n')}`);
  succeeded(outcome, `the restore as ${target.owner}`);
  return compare(before, await snapshot(target.server, target.database), {
    ignoreSchema: PROVIDER_OWNED,
  });
}

describe('Neon-like: restore as neondb_owner (member of neon_superuser, not a superuser)', () => {
  it('exits 0 and the database equals the source', async () => {
    const diff = await restoreAsOwner(await startNeonLike(source.ssl));
    expect(diff).toEqual([]);
  });
});

describe('RDS-like: restore as rdsmaster (member of rds_superuser, not a superuser)', () => {
  it('exits 0 and the database equals the source', async () => {
    const diff = await restoreAsOwner(await startRdsLike(source.ssl));
    expect(diff).toEqual([]);
  });
});

describe('PostgreSQL 18 without the extensions: restore as app', () => {
  it('fails before touching the target, naming pg_cron, postgis, pg_partman and pgaudit at once', async () => {
    const pg18 = await startPg18Target(source.ssl);
    started.push(pg18);
    const empty = await snapshot(pg18, APP_DB);
    const outcome = await restoreInto(appUrl(pg18));
    expect(outcome.ok).toBe(false);
    if (outcome.ok) return;
    console.log(`[providers] PostgreSQL 18 restore failed with: ${outcome.error.message}`);
    const missing = ['pg_cron', 'postgis', 'pg_partman', 'pgaudit'];
    expect(missing.filter((name) => !outcome.error.message.includes(name))).toEqual([]);
    expect(compare(empty, await snapshot(pg18, APP_DB))).toEqual([]);
  });
});
