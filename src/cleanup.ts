import { readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import * as core from '@actions/core';
import { describeError } from './errors.js';
import { readDatabaseUrl, readStorage } from './inputs/common.js';
import { INPUTS, type Mask, type Read } from './inputs/read.js';
import { readStoreOptions } from './inputs/storage.js';
import { dropTargetDatabase } from './postgres/target.js';
import type { Leftover } from './state.js';
import { createStore } from './storage/create-store.js';

/** What the post step needs to undo what a killed main step left. */
export interface CleanupContext {
  read: Read;
  mask: Mask;
  cwd: string;
  env: NodeJS.ProcessEnv;
  workspace: string;
}

/** Undoes one leftover of a killed main step; warns, never throws. */
export async function undoLeftover(entry: Leftover, ctx: CleanupContext): Promise<void> {
  try {
    await undo(entry, ctx);
    core.info(`Cleanup: removed ${describe(entry)} that the main step left.`);
  } catch (error) {
    core.warning(`Cleanup: could not remove ${describe(entry)}: ${describeError(error)}`);
  }
}

async function undo(entry: Leftover, ctx: CleanupContext): Promise<void> {
  if (entry.kind === 'file') return rm(entry.path, { force: true, recursive: true });
  if (entry.kind === 'database') {
    const target = readDatabaseUrl(ctx.read, ctx.mask, INPUTS.targetDatabaseUrl);
    if (target?.database === entry.database) await dropTargetDatabase(target);
    return;
  }
  const locations = readStorage(ctx.read, ctx.cwd);
  const location = locations[entry.storage];
  if (!location) return;
  const options = readStoreOptions(ctx.read, ctx.mask, locations);
  const store = createStore(location, { ...options, env: ctx.env, tempDir: ctx.workspace });
  if (entry.kind === 'upload') await store.abortUploads(entry.key);
  else await store.remove(entry.key);
}

function describe(entry: Leftover): string {
  if (entry.kind === 'file') return entry.path;
  if (entry.kind === 'database') return `the database '${entry.database}' it created`;
  return `${entry.kind === 'upload' ? 'the unfinished upload of ' : ''}${entry.key}`;
}

/**
 * Stops client programs that outlived a killed main step: they carry TMPDIR=<workspace> in their
 * environment (see libpqEnv). Linux only (/proc); elsewhere the runner ends the job's processes.
 */
export async function stopChildren(workspace: string): Promise<number> {
  const pids = await childrenOf(workspace);
  for (const pid of pids) signal(pid, 'SIGTERM');
  if (pids.length) await new Promise((resolve) => setTimeout(resolve, 2000));
  for (const pid of pids) signal(pid, 'SIGKILL');
  return pids.length;
}

async function childrenOf(workspace: string): Promise<number[]> {
  const names = await readdir('/proc').catch(() => [] as string[]);
  const mark = `TMPDIR=${workspace}`;
  const pids: number[] = [];
  for (const name of names.filter((n) => /^\d+$/.test(n) && Number(n) !== process.pid)) {
    const environ = await readFile(join('/proc', name, 'environ'), 'latin1').catch(() => '');
    if (environ.split('\0').includes(mark)) pids.push(Number(name));
  }
  return pids;
}

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch {
    // already gone
  }
}
