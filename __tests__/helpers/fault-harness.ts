/**
 * Fault injection tools shared by the fault tier: waiting on a running action, holding a table
 * lock from another session, small PostgreSQL queries and tmpfs mounts (the S3 proxy that hangs,
 * cuts or fails requests is s3-fault-proxy.ts).
 */
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  signalPid,
  startAction,
  type ActionProcess,
  type FinishedRun,
  type SeenProcess,
  type StartOptions,
} from './action-process.js';
import {
  clientBinDirFor,
  clientEnv,
  connArgs,
  quoteLiteral,
  type PgCluster,
} from '../../scripts/lib/pg-cluster.js';

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Polls `probe` until it returns a value; throws a harness error naming `what` when the action
 * ends first or the time is up, so a test never fails for the wrong reason silently.
 */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined> | T | undefined,
  opts: { proc?: ActionProcess; timeoutMs?: number; intervalMs?: number } = {},
): Promise<T> {
  const deadline = Date.now() + (opts.timeoutMs ?? 30_000);
  let ended = false;
  void opts.proc?.exited.then(() => (ended = true));
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (ended) {
      const run = await opts.proc?.exited;
      throw new Error(
        `harness: the action ended (code ${run?.code}, signal ${run?.signal}) before ${what}\n${tailOf(run?.stdout ?? '')}`,
      );
    }
    if (Date.now() > deadline) throw new Error(`harness: timed out waiting for ${what}`);
    await sleep(opts.intervalMs ?? 50);
  }
}

export function tailOf(text: string, lines = 25): string {
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}

/** Marks a run that had to be killed because it did not end in time. */
function hung(run: FinishedRun, what: string): FinishedRun {
  return { ...run, errors: [...run.errors, `HARNESS: the action ${what}; it was SIGKILLed`] };
}

/** Runs the action to its end, SIGKILLing it (and reporting so) after `timeoutMs`. */
export async function runFor(
  inputs: Record<string, string>,
  opts: StartOptions,
  timeoutMs: number,
): Promise<{ proc: ActionProcess; run: FinishedRun }> {
  const proc = await startAction(inputs, opts);
  const run = await proc.waitExit(timeoutMs);
  if (run) return { proc, run };
  signalPid(proc.pid, 'SIGKILL');
  return { proc, run: hung(await proc.exited, `did not end within ${timeoutMs} ms`) };
}

/** Sends `signal` to the action's node process (not its children) and waits for its end. */
export async function signalAndWait(
  proc: ActionProcess,
  signal: NodeJS.Signals,
  timeoutMs = 20_000,
): Promise<FinishedRun> {
  if (!signalPid(proc.pid, signal)) throw new Error('harness: the action was already gone');
  const run = await proc.waitExit(timeoutMs);
  if (run) return run;
  signalPid(proc.pid, 'SIGKILL');
  return hung(await proc.exited, `did not end within ${timeoutMs} ms of ${signal}`);
}

/** The first live child of the action whose command name is `comm` (e.g. pg_dump). */
export function childNamed(proc: ActionProcess, comm: string): SeenProcess | undefined {
  return proc.children().find((p) => p.comm === comm);
}

/** A session holding `LOCK TABLE ... IN ACCESS EXCLUSIVE MODE` in an open transaction. */
export interface LockHolder {
  backendPid: number;
  release(): Promise<void>;
}

/** Opens a psql session that holds an ACCESS EXCLUSIVE lock on `table` until release(). */
export async function holdLock(
  cluster: PgCluster,
  database: string,
  table: string,
): Promise<LockHolder> {
  const psql: ChildProcessWithoutNullStreams = spawn(
    join(clientBinDirFor(cluster.major), 'psql'),
    ['-X', '-A', '-t', '-q', '-v', 'ON_ERROR_STOP=1', ...connArgs(cluster, database)],
    { env: clientEnv(cluster), stdio: 'pipe' },
  );
  let out = '';
  let err = '';
  psql.stdout.on('data', (d: Buffer) => (out += d.toString()));
  psql.stderr.on('data', (d: Buffer) => (err += d.toString()));
  psql.stdin.on('error', () => undefined);
  const exited = new Promise<void>((resolve) => psql.once('close', () => resolve()));
  psql.stdin.write(
    `BEGIN;\nLOCK TABLE ${table} IN ACCESS EXCLUSIVE MODE;\nSELECT 'locked:' || pg_backend_pid();\n`,
  );
  const backendPid = await waitFor(`the lock on ${table}`, () => {
    if (err) throw new Error(`harness: the lock holder failed: ${err}`);
    const m = /locked:(\d+)/.exec(out);
    return m ? Number(m[1]) : undefined;
  });
  const granted = await cluster.psql(
    `SELECT count(*) FROM pg_locks WHERE pid = ${backendPid} AND mode = 'AccessExclusiveLock' AND granted AND relation IS NOT NULL`,
    database,
  );
  if (Number(granted.trim()) < 1) throw new Error(`harness: ${table} is not locked`);
  return {
    backendPid,
    release: async () => {
      psql.stdin.end('ROLLBACK;\n');
      await exited;
    },
  };
}

/** Waits until a backend of `database` (other than `exceptPid`) waits on a lock; returns its pid. */
export function waitForLockWaiter(
  cluster: PgCluster,
  database: string,
  proc: ActionProcess,
  exceptPid: number,
): Promise<number> {
  return waitFor(
    `a backend of '${database}' waiting on the held lock`,
    async () => {
      const out = await cluster.psql(
        `SELECT pid FROM pg_stat_activity WHERE datname = ${quoteLiteral(database)} AND wait_event_type = 'Lock' AND pid <> ${exceptPid} LIMIT 1`,
      );
      return out.trim() ? Number(out.trim()) : undefined;
    },
    { proc, timeoutMs: 60_000, intervalMs: 100 },
  );
}

/** Whether a database exists. */
export async function databaseExists(cluster: PgCluster, name: string): Promise<boolean> {
  const out = await cluster.psql(
    `SELECT count(*) FROM pg_database WHERE datname = ${quoteLiteral(name)}`,
  );
  return out.trim() === '1';
}

/** Drops a database (and its sessions) when it exists. */
export async function dropDatabase(cluster: PgCluster, name: string): Promise<void> {
  await cluster.psql(`DROP DATABASE IF EXISTS "${name.replace(/"/g, '""')}" WITH (FORCE)`);
}

/** A fresh directory under the system temp dir. */
export function tempDir(prefix: string): Promise<string> {
  return mkdtemp(join(tmpdir(), `faults-${prefix}-`));
}

/** Mounts a tmpfs of `size` (e.g. `2m`) on a fresh directory; needs root. */
export async function mountTmpfs(size: string): Promise<{ dir: string; unmount(): Promise<void> }> {
  const dir = await tempDir('tmpfs');
  const res = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${size},mode=0755`, 'tmpfs', dir], {
    encoding: 'utf8',
  });
  if (res.status !== 0)
    throw new Error(`harness: mount -t tmpfs failed (needs root): ${res.stderr || res.error}`);
  return {
    dir,
    unmount: async () => {
      spawnSync('umount', ['-l', dir]);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Remounts a tmpfs read-only. */
export function remountReadOnly(dir: string): void {
  const res = spawnSync('mount', ['-o', 'remount,ro', dir], { encoding: 'utf8' });
  if (res.status !== 0) throw new Error(`harness: remount,ro failed: ${res.stderr}`);
}
