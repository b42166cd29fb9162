/**
 * "What is left behind": the one check every fault case makes after the action ended. It runs
 * the post step (with the state main wrote, as the runner does), then lists every problem it
 * finds, so a failing case shows all of them at once:
 *   - a process the action started that is still alive (found through the /proc scan of
 *     action-process.ts); it is given a few seconds to finish on its own so the database check
 *     below sees what it did, then SIGKILLed by pid;
 *   - files in a storage directory (hidden `.ID.EXT.partial-HEX` spool files included);
 *   - keys and pending multipart uploads in an S3 bucket;
 *   - anything in RUNNER_TEMP after the post step;
 *   - the target database: absent when the run created it, else the row counts it had before;
 *   - a secret in stdout, stderr, outputs, state or the summary of main or post;
 *   - a post step that failed or printed an error.
 */
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from '@jest/globals';
import { runPostStep, signalPid, type ActionProcess, type FinishedRun } from './action-process.js';
import { tableRowCounts } from './db-compare.js';
import type { PgCluster } from '../../scripts/lib/pg-cluster.js';
import { listedKeys, pendingUploads } from '../../scripts/lib/s3-server.js';
import { databaseExists, sleep } from './fault-harness.js';

/** What a case expects to find. */
export interface Expected {
  /** Storage directories and the names they must hold (default: none at all). */
  dirs?: { path: string; names?: string[] }[];
  /** S3 buckets: the keys under `prefix` they must hold (default none), no upload pending there. */
  s3?: { endpoint: string; bucket: string; prefix: string; keys?: string[] }[];
  /** The restore target. */
  database?: {
    cluster: PgCluster;
    name: string;
    /** The run was to create it: it must be absent afterwards. */
    created: boolean;
    /** Row counts it had before (default: no user tables). */
    before?: Record<string, number>;
    /** Also accepted (e.g. after a SIGKILL: no user tables in a database the run created). */
    orEmpty?: boolean;
  };
  /** Strings that must appear nowhere (each also checked percent-encoded). */
  secrets?: string[];
  /** Skip the post step (it already ran: pass its result in `post`). */
  post?: FinishedRun;
  /** How long survivors get to finish before they are killed (default 20 s). */
  graceMs?: number;
}

/** All names in a directory tree, relative, hidden ones included ('(missing)' when absent). */
export async function listTree(dir: string, prefix = ''): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return prefix ? [] : ['(missing)'];
  }
  const out: string[] = [];
  for (const name of names.sort()) {
    const rel = prefix + name;
    const st = await stat(join(dir, name)).catch(() => undefined);
    if (st?.isDirectory()) {
      const inner = await listTree(join(dir, name), `${rel}/`);
      out.push(...(inner.length ? inner : [`${rel}/`]));
    } else out.push(rel);
  }
  return out;
}

/** Runs the post step if needed and returns every leftover as a line (empty = nothing left). */
export async function leftovers(
  main: ActionProcess,
  run: FinishedRun,
  want: Expected = {},
): Promise<string[]> {
  const problems: string[] = [];
  const post = want.post ?? (await runPostStep(main));
  if (post.code !== 0) problems.push(`post step exited ${post.code} (signal ${post.signal})`);
  for (const e of post.errors) problems.push(`post step printed ::error::${e}`);

  // Processes: survivors are reported, given time to finish (their effect on the database is
  // part of what we check), then killed.
  const survivors = main.survivors();
  for (const p of survivors)
    problems.push(`process ${p.comm} (pid ${p.pid}) outlived the action: ${p.cmdline}`);
  const deadline = Date.now() + (want.graceMs ?? 20_000);
  while (main.survivors().length > 0 && Date.now() < deadline) await sleep(100);
  for (const p of main.survivors()) signalPid(p.pid, 'SIGKILL');

  for (const d of want.dirs ?? []) {
    const names = await listTree(d.path);
    const expected = [...(d.names ?? [])].sort();
    if (JSON.stringify(names) !== JSON.stringify(expected))
      problems.push(
        `storage ${d.path} holds [${names.join(', ')}], expected [${expected.join(', ')}]`,
      );
  }
  for (const b of want.s3 ?? []) {
    const keys = (await listedKeys(b.bucket, b.prefix, b.endpoint)).sort();
    const expected = [...(b.keys ?? [])].sort();
    if (JSON.stringify(keys) !== JSON.stringify(expected))
      problems.push(
        `s3://${b.bucket}/${b.prefix} holds [${keys.join(', ')}], expected [${expected.join(', ')}]`,
      );
    const pending = (await pendingUploads(b.bucket, b.endpoint)).filter((k) =>
      k.startsWith(b.prefix),
    );
    if (pending.length)
      problems.push(`s3://${b.bucket} has pending multipart uploads: ${pending.join(', ')}`);
  }
  const temp = await listTree(join(main.runnerDir, 'temp'));
  if (temp.length) problems.push(`RUNNER_TEMP holds after the post step: ${temp.join(', ')}`);

  const db = want.database;
  if (db) {
    const exists = await databaseExists(db.cluster, db.name);
    const counts = exists ? await tableRowCounts(db.cluster, db.name) : undefined;
    const empty = counts !== undefined && Object.keys(counts).length === 0;
    if (db.created && exists && !(db.orEmpty && empty))
      problems.push(
        `target database '${db.name}' exists although the run created it: ${JSON.stringify(counts)}`,
      );
    if (!db.created) {
      if (!exists) problems.push(`target database '${db.name}' was dropped`);
      else if (JSON.stringify(counts) !== JSON.stringify(db.before ?? {}))
        problems.push(
          `target database '${db.name}' changed: ${JSON.stringify(db.before ?? {})} -> ${JSON.stringify(counts)}`,
        );
    }
  }

  for (const secret of want.secrets ?? []) problems.push(...secretsIn([run, post], secret));
  return problems;
}

/** Where a secret shows, in what a user or a later step can read. */
export function secretsIn(runs: FinishedRun[], secret: string): string[] {
  const forms = [...new Set([secret, encodeURIComponent(secret)])];
  const found: string[] = [];
  runs.forEach((r, i) => {
    const step = i === 0 ? 'main' : 'post';
    const places: Record<string, string> = {
      // The runner hides its own ::add-mask:: lines (case 9 checks them separately).
      stdout: r.stdout
        .split('\n')
        .filter((l) => !l.startsWith('::add-mask::'))
        .join('\n'),
      stderr: r.stderr,
      outputs: JSON.stringify(r.outputs),
      state: JSON.stringify(r.state),
      summary: r.summary,
    };
    for (const [place, text] of Object.entries(places))
      for (const form of forms)
        if (form && text.includes(form))
          found.push(`a secret shows in the ${step} step's ${place}`);
  });
  return [...new Set(found)];
}

/** Exit code, signal and error lines, as one object for an all-at-once comparison. */
export function verdict(run: FinishedRun): {
  code: number;
  signal: NodeJS.Signals | null;
  errors: string[];
} {
  return { code: run.code, signal: run.signal, errors: run.errors };
}

/**
 * The run failed as the contract says (exit code 1, one `::error::` matching `error`, none
 * matching `notError`) and left nothing behind.
 */
export async function expectCleanFailure(
  main: ActionProcess,
  run: FinishedRun,
  error: RegExp,
  want: Expected & { notError?: RegExp } = {},
): Promise<void> {
  const problems = await leftovers(main, run, want);
  const blamed =
    want.notError && run.errors.some((e) => want.notError?.test(e))
      ? [`the error wrongly matches ${String(want.notError)}`]
      : [];
  expect({ ...verdict(run), problems: [...blamed, ...problems] }).toEqual({
    code: 1,
    signal: null,
    errors: [expect.stringMatching(error)],
    problems: [],
  });
}

/** The run succeeded (exit 0, no error line) and left only what `want` lists. */
export async function expectCleanSuccess(
  main: ActionProcess,
  run: FinishedRun,
  want: Expected = {},
): Promise<void> {
  const problems = await leftovers(main, run, want);
  expect({ ...verdict(run), problems }).toEqual({
    code: 0,
    signal: null,
    errors: [],
    problems: [],
  });
}
