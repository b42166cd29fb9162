import type { TocEntry } from './archive-toc.js';

/** The lock table a server has for one transaction: max_locks_per_transaction × its backends. */
export interface LockCapacity {
  maxLocksPerTransaction: number;
  backends: number;
}

/** SQL that reads {@link LockCapacity} (the slots PostgreSQL sizes its shared lock table for). */
export const LOCK_CAPACITY_SQL = `current_setting('max_locks_per_transaction')::int AS max_locks,
  current_setting('max_connections')::int + current_setting('autovacuum_max_workers')::int + 1
  + current_setting('max_worker_processes')::int + current_setting('max_wal_senders')::int
  + current_setting('max_prepared_transactions')::int AS backends`;

/** Column types that never need a TOAST table: a table of only these has none. */
const FIXED =
  /^(smallint|integer|bigint|boolean|real|double precision|date|time(stamp)?( without time zone| with time zone)?|uuid|oid|money|"char"|interval|point|inet|cidr|macaddr8?)(\[\])?$/;

/**
 * The relations a restore of these entries creates (each is locked until COMMIT), and drops too
 * with overwrite: a table with its TOAST table and index, every index, constraint index,
 * sequence, view and materialized view.
 */
export function locksNeeded(entries: TocEntry[], clean: boolean): number {
  const created = entries.reduce((sum, e) => sum + relationsOf(e), 0);
  return clean ? created * 2 : created;
}

function relationsOf(e: TocEntry): number {
  if (e.desc === 'TABLE' || e.desc === 'MATERIALIZED VIEW')
    return /^CREATE /.test(e.defn) ? 1 + (hasToast(e.defn) ? 2 : 0) : 0;
  if (e.desc === 'INDEX' || e.desc === 'VIEW' || e.desc === 'FOREIGN TABLE') return 1;
  if (e.desc === 'SEQUENCE') return /^CREATE SEQUENCE/.test(e.defn) ? 1 : 0;
  if (e.desc === 'CONSTRAINT') return /PRIMARY KEY|UNIQUE|EXCLUDE/.test(e.defn) ? 1 : 0;
  return 0;
}

/** Whether a CREATE TABLE has a column of a variable-length type (text, numeric, jsonb, …). */
function hasToast(defn: string): boolean {
  if (/PARTITION BY/.test(defn)) return false;
  const body = defn.slice(defn.indexOf('(') + 1, defn.lastIndexOf(')'));
  const columns = body.split(/,\n/).map((c) => c.trim());
  return columns.some((c) => {
    if (/^(CONSTRAINT|CHECK|PRIMARY|UNIQUE|EXCLUDE|FOREIGN)\b/.test(c)) return false;
    const type = c
      .replace(/^("(?:[^"]|"")+"|\S+)\s+/, '')
      .replace(/\s+(NOT NULL|DEFAULT|GENERATED|COLLATE|CONSTRAINT|CHECK)\b.*$/s, '');
    return !FIXED.test(type.trim());
  });
}

/** Slots PostgreSQL sizes its shared lock table for (it can grow into spare shared memory). */
export function capacityOf(c: LockCapacity): number {
  return c.maxLocksPerTransaction * c.backends;
}

/** What to set max_locks_per_transaction to, for `needed` locks in one transaction (with room). */
export function neededSetting(needed: number, c: LockCapacity): number {
  return Math.ceil((needed * 1.25) / c.backends / 16) * 16;
}

/** The pre-flight problem when one transaction would not fit the lock table. */
export function lockProblem(needed: number, c: LockCapacity): string {
  return `locks: one transaction restoring this backup holds about ${needed} relation locks, more than the target server's lock table has room for now (max_locks_per_transaction ${c.maxLocksPerTransaction} × ${c.backends} backends = ${capacityOf(c)} slots): set max_locks_per_transaction to at least ${neededSetting(needed, c)} and restart the server (on a managed provider: its parameter settings), or restore into a new database with jobs: 2 (pg_restore --jobs, not one transaction), or restore the schemas in parts`;
}

/** Advisory locks of this key space stand in for a restore's relation locks in the probe. */
const PROBE_KEY = 0x70676261; // 'pgba'

/**
 * SQL that takes `n` transaction-level advisory locks and reports how many it got: run in a
 * transaction that is rolled back, it tells whether the lock table holds that many now (it has
 * slack beyond its nominal size, and other sessions use it too). `pg_try_…` never waits.
 */
export function probeSql(n: number): string {
  return `SELECT count(*) FILTER (WHERE pg_catalog.pg_try_advisory_xact_lock(${PROBE_KEY}, k)) AS got
  FROM pg_catalog.generate_series(1, ${Math.max(1, Math.floor(n))}) AS k`;
}
