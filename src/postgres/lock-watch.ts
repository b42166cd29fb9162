import { randomBytes } from 'node:crypto';
import type pg from 'pg';
import { INPUTS } from '../input-names.js';
import type { Connection } from './connection.js';
import { withConnection } from './server.js';

const WHAT = INPUTS.targetDatabaseUrl;

/** A name for this run's connections to the target, so they can be told apart and ended. */
export function restoreAppName(): string {
  return `postgres-backup-action restore ${randomBytes(4).toString('hex')}`;
}

/** The libpq environment of a restore's clients: its application name and lock timeout. */
export function restoreClientEnv(
  env: NodeJS.ProcessEnv,
  appName: string,
  lockTimeout: string,
): NodeJS.ProcessEnv {
  return { ...env, PGAPPNAME: appName, PGOPTIONS: `-c lock_timeout=${lockTimeout}` };
}

const BLOCKERS = `SELECT b.pid, b.usename AS user, b.application_name AS app, b.state,
    left(regexp_replace(coalesce(b.query, ''), '\\s+', ' ', 'g'), 80) AS query,
    extract(epoch FROM now() - a.state_change)::int AS waited
  FROM pg_catalog.pg_stat_activity a
  CROSS JOIN LATERAL pg_catalog.unnest(pg_catalog.pg_blocking_pids(a.pid)) AS bp(pid)
  JOIN pg_catalog.pg_stat_activity b ON b.pid = bp.pid
  WHERE a.application_name = $1 AND a.wait_event_type = 'Lock'`;

interface Blocker {
  pid: number;
  user: string;
  app: string;
  state: string;
  query: string;
  waited: number;
}

/** One line naming who the restore waits for, or undefined when it waits for nobody. */
export function describeWait(blockers: Blocker[], lockTimeout: string): string | undefined {
  if (!blockers.length) return undefined;
  const who = blockers.map(
    (b) =>
      `process ${b.pid} (user ${b.user || '?'}, application ${b.app || '?'}, ${b.state || '?'}${b.query ? `: ${b.query}` : ''})`,
  );
  return `Waiting ${blockers[0]?.waited ?? 0} s for a lock on the target, held by ${who.join(', ')}; the restore fails after lock-wait-timeout (${lockTimeout}) unless it is released.`;
}

/**
 * Looks every `everyMs` for this run's connections waiting for a lock and logs who holds it;
 * returns a function that stops looking. Never fails the restore: a look that fails is skipped.
 */
export function watchLockWaits(
  conn: Connection,
  appName: string,
  lockTimeout: string,
  log: (line: string) => void,
  everyMs = 5_000,
): () => void {
  let busy = false;
  const look = async () => {
    if (busy) return;
    busy = true;
    try {
      const rows = await withConnection(conn, WHAT, (c: pg.Client) =>
        c.query<Blocker>(BLOCKERS, [appName]).then((r) => r.rows),
      );
      const line = describeWait(rows, lockTimeout);
      if (line) log(line);
    } catch {
      // The target may be busy or gone; the restore reports its own errors.
    } finally {
      busy = false;
    }
  };
  const timer = setInterval(() => void look(), everyMs);
  timer.unref();
  return () => clearInterval(timer);
}

/**
 * Ends this run's own connections to the target (after a failure or a cancel): a client that was
 * killed can leave its backend queued for a lock, blocking every later reader of that table.
 */
export async function endOwnBackends(conn: Connection, appName: string): Promise<number> {
  return withConnection(conn, WHAT, async (c) => {
    const result = await c.query<{ n: number }>(
      `SELECT count(pg_catalog.pg_terminate_backend(pid))::int AS n FROM pg_catalog.pg_stat_activity
       WHERE application_name = $1 AND pid <> pg_catalog.pg_backend_pid()`,
      [appName],
    );
    return result.rows[0]?.n ?? 0;
  });
}
