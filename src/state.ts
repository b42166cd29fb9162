import { appendFileSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import * as core from '@actions/core';
import { ActionError } from './errors.js';

const WORKSPACE = 'workspace';
const JOURNAL = 'journal.jsonl';

/** Creates the run's private temp directory (0700) and remembers it for the post step. */
export async function createWorkspace(env: NodeJS.ProcessEnv): Promise<string> {
  const base = env.RUNNER_TEMP || tmpdir();
  // Outside a runner RUNNER_TEMP may name a directory that does not exist yet.
  const dir = await mkdir(base, { recursive: true })
    .then(() => mkdtemp(join(base, 'pg-backup-')))
    .catch((error: unknown) => {
      throw new ActionError(
        `Cannot create the run's temporary directory in ${base} (RUNNER_TEMP): ${(error as Error).message}. Set RUNNER_TEMP to a writable directory.`,
      );
    });
  core.saveState(WORKSPACE, dir);
  return dir;
}

/** Removes a workspace (PGPASSFILE, spool files); never throws. */
export async function removeWorkspace(dir: string | undefined): Promise<void> {
  if (!dir) return;
  await rm(dir, { recursive: true, force: true }).catch((error: unknown) => {
    core.warning(`Could not remove the temporary directory ${dir}: ${String(error)}`);
  });
}

/**
 * The workspace the main step recorded, if any, and only when it is one: a `pg-backup-*`
 * directory right under RUNNER_TEMP (or the system temp). The post step removes it recursively,
 * so a state file naming any other path (a planted or damaged one) is refused with a warning.
 */
export function savedWorkspace(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const dir = core.getState(WORKSPACE) || undefined;
  if (!dir) return undefined;
  const base = resolve(env.RUNNER_TEMP || tmpdir());
  if (dirname(resolve(dir)) === base && /^pg-backup-[A-Za-z0-9]+$/.test(basename(dir))) return dir;
  core.warning(
    `Cleanup: the saved temporary directory ${dir} is not one this action makes (pg-backup-* in ${base}); it was left alone.`,
  );
  return undefined;
}

/** Something a run made outside its workspace that must not outlive it unless it is kept. */
export type Leftover =
  | { kind: 'file'; path: string }
  | { kind: 'upload'; storage: number; key: string }
  | { kind: 'object'; storage: number; key: string }
  /** A data object whose manifest a prune deletes: removed only once that manifest is gone. */
  | { kind: 'orphan'; storage: number; key: string; manifest: string }
  | { kind: 'database'; database: string };

/**
 * The run's undo log, a file in the workspace written synchronously line by line, so that even a
 * killed main step leaves a complete record: the post step undoes every entry not marked done.
 */
export class Journal {
  private next = 0;
  private readonly prefix = `${process.pid}-${Date.now()}`;

  constructor(private readonly file: string | undefined) {}

  /** A journal in the workspace (none without one: nothing is recorded). */
  static in(workspace: string | undefined): Journal {
    return new Journal(workspace ? join(workspace, JOURNAL) : undefined);
  }

  /** Records a leftover-to-be and returns the handle that marks it done (kept or removed). */
  add(entry: Leftover): () => void {
    const id = `${this.prefix}-${(this.next += 1)}`;
    this.write({ op: 'add', id, entry });
    return () => this.write({ op: 'done', id });
  }

  /** The entries not marked done, oldest first. */
  pending(): Leftover[] {
    if (!this.file) return [];
    const open = new Map<string, Leftover>();
    for (const line of readLines(this.file)) {
      const record = JSON.parse(line) as { op: string; id: string; entry?: Leftover };
      if (record.op === 'add' && record.entry) open.set(record.id, record.entry);
      else open.delete(record.id);
    }
    return [...open.values()];
  }

  private write(record: object): void {
    if (this.file) appendFileSync(this.file, `${JSON.stringify(record)}\n`, { mode: 0o600 });
  }
}

function readLines(file: string): string[] {
  try {
    return readFileSync(file, 'utf8').split('\n').filter(Boolean);
  } catch {
    return [];
  }
}
