import { readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { listManifests } from './catalog/backups.js';
import * as core from '@actions/core';
import { describeError } from './errors.js';
import { readDatabaseUrl, readStorage } from './inputs/common.js';
import { INPUTS, type Mask, type Read } from './inputs/read.js';
import { readStoreOptions } from './inputs/storage.js';
import { dropTargetDatabase } from './postgres/target.js';
import type { Leftover } from './state.js';
import { idOfManifest, parseId } from './catalog/naming.js';
import { createStore } from './storage/create-store.js';
import type { Store } from './storage/store.js';

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
    if (await undo(entry, ctx))
      core.info(`Cleanup: removed ${describe(entry)} that the main step left.`);
    else core.info(`Cleanup: kept ${describe(entry)}: its manifest is still there.`);
  } catch (error) {
    core.warning(`Cleanup: could not remove ${describe(entry)}: ${describeError(error)}`);
  }
}

/** Undoes one entry; false when it was left because it is part of a whole backup. */
async function undo(entry: Leftover, ctx: CleanupContext): Promise<boolean> {
  if (entry.kind === 'file') await rm(entry.path, { force: true, recursive: true });
  else if (entry.kind === 'database') await dropIfCreated(entry.database, ctx);
  else return undoAtStore(entry, ctx);
  return true;
}

async function dropIfCreated(database: string, ctx: CleanupContext): Promise<void> {
  const target = readDatabaseUrl(ctx.read, ctx.mask, INPUTS.targetDatabaseUrl);
  if (target?.database === database) await dropTargetDatabase(target);
}

type StoredLeftover = Exclude<Leftover, { kind: 'file' | 'database' }>;

async function undoAtStore(entry: StoredLeftover, ctx: CleanupContext): Promise<boolean> {
  const locations = readStorage(ctx.read, ctx.cwd);
  const location = locations[entry.storage];
  if (!location) return true;
  const options = readStoreOptions(ctx.read, ctx.mask, locations);
  const store = createStore(location, { ...options, env: ctx.env, tempDir: ctx.workspace });
  if (entry.kind === 'upload') await store.abortUploads(entry.key);
  else if (entry.kind === 'orphan' && (await hasManifest(store, entry.manifest))) return false;
  else await store.remove(entry.key);
  return true;
}

/** Whether a manifest is still there: then its data object belongs to a whole backup. */
async function hasManifest(store: Store, manifest: string): Promise<boolean> {
  const label = parseId(idOfManifest(manifest) ?? '')?.label;
  return (await listManifests(store, label)).includes(manifest);
}

function describe(entry: Leftover): string {
  if (entry.kind === 'file') return entry.path;
  if (entry.kind === 'database') return `the database '${entry.database}' it created`;
  if (entry.kind === 'orphan') return `${entry.key} (a data object a prune was deleting)`;
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
