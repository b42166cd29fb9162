// Which files of a dump directory pg_dump has finished. pg_dump writes toc.dat and closes it before
// any data file, then creates, writes and closes each data file once (_CloseArchive and _StartData
// of pg_backup_directory.c; the large objects' list is opened once per BLOBS entry too). So a file
// that is in the directory and that no process of pg_dump's tree (pg_dump and its forked workers)
// holds open is complete: it was open from its creation until it was closed for good. Read on
// Linux from /proc; where there is none, every file is given once pg_dump has exited.
import { readdir, readFile, readlink, realpath } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';

/** A running pg_dump: its process id and its exit. */
export interface DumpProcess {
  pid?: number;
  /** Resolves on a clean exit; rejects on a failure. */
  exited: Promise<void>;
}

/** Where to look and how often. */
export interface ClosedFilesOptions {
  /** The proc file system (default `/proc`; tests point elsewhere to take it away). */
  proc?: string;
  /** Milliseconds between two looks (default 150). */
  intervalMs?: number;
}

const TOC = 'toc.dat';
const INTERVAL_MS = 150;

/**
 * The names of the files of `dir`, each once, as soon as pg_dump has closed it: toc.dat first, the
 * rest in the order they were finished; what remains (sorted) once pg_dump has exited. Throws
 * pg_dump's failure instead of giving the files it left.
 */
export async function* closedFiles(
  dir: string,
  dump: DumpProcess,
  options: ClosedFilesOptions = {},
): AsyncGenerator<string> {
  const given = new Set<string>();
  const proc = options.proc ?? '/proc';
  let running = true;
  const ended = dump.exited.then(
    () => (running = false),
    () => (running = false),
  );
  const watch = dump.pid !== undefined && (await readable(join(proc, String(dump.pid), 'fd')));
  let tree: number[] | undefined;
  while (watch && running) {
    await Promise.race([delay(options.intervalMs ?? INTERVAL_MS), ended]);
    if (!running) break;
    const names = await readdir(dir).catch(() => [] as string[]);
    if (!names.includes(TOC)) continue;
    // Listed after pg_dump forked its workers (before it created toc.dat): the tree is whole.
    tree ??= await processTree(proc, dump.pid as number);
    const open = await openNames(dir, tree, proc);
    // A worker gone while pg_dump runs (it is about to fail) may have left a file cut short.
    if (!(await allAlive(proc, tree))) break;
    const done = names.filter((name) => !open.has(name) && !given.has(name)).sort(tocFirst);
    if (!given.has(TOC) && done[0] !== TOC) continue;
    for (const name of done) yield mark(given, name);
  }
  await dump.exited;
  for (const name of (await readdir(dir)).sort(tocFirst)) if (!given.has(name)) yield name;
}

function mark(given: Set<string>, name: string): string {
  given.add(name);
  return name;
}

/** Orders toc.dat first, then by name. */
export function tocFirst(a: string, b: string): number {
  if (a === TOC) return -1;
  if (b === TOC) return 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The names of the files in `dir` that any of `pids` holds open. */
async function openNames(dir: string, pids: number[], proc: string): Promise<Set<string>> {
  const real = await realpath(dir);
  const open = new Set<string>();
  for (const pid of pids) {
    for (const path of await openPaths(proc, pid))
      if (dirname(path) === real) open.add(basename(path));
  }
  return open;
}

/** Whether every process of `pids` still runs (not gone, not a zombie). */
async function allAlive(proc: string, pids: number[]): Promise<boolean> {
  const states = await Promise.all(
    pids.map((pid) => readFile(join(proc, String(pid), 'stat'), 'utf8').catch(() => '')),
  );
  return states.every((stat) => stat !== '' && !/^[ZX]/.test(afterComm(stat)));
}

/** The fields of /proc/PID/stat after "PID (COMM) ": COMM may hold spaces and parentheses. */
function afterComm(stat: string): string {
  return stat.slice(stat.lastIndexOf(')') + 2);
}

/** The paths a process holds open (none once it is gone). */
async function openPaths(proc: string, pid: number): Promise<string[]> {
  const fdDir = join(proc, String(pid), 'fd');
  const fds = await readdir(fdDir).catch(() => [] as string[]);
  const links = await Promise.all(fds.map((fd) => readlink(join(fdDir, fd)).catch(() => '')));
  return links.filter((link) => link.startsWith('/'));
}

/** `root` and every process descended from it, from each process's parent in /proc/PID/stat. */
async function processTree(proc: string, root: number): Promise<number[]> {
  const children = new Map<number, number[]>();
  const pids = (await readdir(proc)).filter((name) => /^\d+$/.test(name));
  await Promise.all(
    pids.map(async (name) => {
      const stat = await readFile(join(proc, name, 'stat'), 'utf8').catch(() => '');
      const ppid = Number(afterComm(stat).split(' ')[1]);
      if (ppid) children.set(ppid, [...(children.get(ppid) ?? []), Number(name)]);
    }),
  );
  const tree = [root];
  for (let i = 0; i < tree.length; i++) tree.push(...(children.get(tree[i] ?? 0) ?? []));
  return tree;
}

async function readable(path: string): Promise<boolean> {
  return readdir(path).then(
    () => true,
    () => false,
  );
}
