// Which files of a dump directory pg_dump is writing and which it has finished. pg_dump writes
// toc.dat and closes it before any data file, then creates, writes and closes each data file once
// (_CloseArchive and _StartData of pg_backup_directory.c; the large objects' list is opened once per
// BLOBS entry too). So a file that is in the directory and that no process of pg_dump's tree (pg_dump
// and its forked workers) holds open is complete: it was open from its creation until it was closed
// for good. Read on Linux from /proc; where there is none, every file is known once pg_dump exited.
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
export interface WatchOptions {
  /** The proc file system (default `/proc`; tests point elsewhere to take it away). */
  proc?: string;
  /** Milliseconds between two looks (default 150). */
  intervalMs?: number;
}

/** A file being written, or finished. */
export type FileState = 'open' | 'closed';

const TOC = 'toc.dat';
const INTERVAL_MS = 150;

/**
 * Watches the directory pg_dump writes, every {@link WatchOptions.intervalMs} while it runs:
 * tells listeners of each file when it appears and when it is finished, and gives the finished
 * files in order ({@link closed}). Nothing is reported before toc.dat is finished.
 */
export class DumpWatch {
  /** Settles when every file is finished (pg_dump exited cleanly); rejects with its failure. */
  readonly ended: Promise<void>;
  private readonly states = new Map<string, FileState>();
  private readonly listeners: ((name: string, state: FileState) => void)[] = [];
  private readonly queue: string[] = [];
  private waiting: (() => void)[] = [];
  private failure?: { error: unknown };
  private finished = false;

  constructor(
    /** The directory pg_dump writes. */
    readonly dir: string,
    private readonly dump: DumpProcess,
    private readonly options: WatchOptions = {},
  ) {
    this.ended = this.run().then(
      () => this.finish(),
      (error: unknown) => {
        this.finish({ error });
        throw error;
      },
    );
    this.ended.catch(() => undefined);
  }

  /** Calls `listener` with every file as it appears (open, or closed at once) and as it closes. */
  on(listener: (name: string, state: FileState) => void): void {
    this.listeners.push(listener);
  }

  /** Whether the watch is over (pg_dump exited; every file is closed unless it failed). */
  get over(): boolean {
    return this.finished;
  }

  /** Where `name` stands (undefined before it was seen). */
  state(name: string): FileState | undefined {
    return this.states.get(name);
  }

  /** Resolves after the next look at the directory (at once when the watch is over). */
  next(): Promise<void> {
    if (this.over) return Promise.resolve();
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  /**
   * The finished files, each once: toc.dat first, then in the order they were finished, what was
   * left (sorted) once pg_dump exited. Throws pg_dump's failure instead of giving what it left.
   */
  async *closed(): AsyncGenerator<string> {
    for (;;) {
      if (this.failure) throw this.failure.error;
      const name = this.queue.shift();
      if (name !== undefined) yield name;
      else if (this.over) return;
      else await this.next();
    }
  }

  private async run(): Promise<void> {
    const { pid, exited } = this.dump;
    const proc = this.options.proc ?? '/proc';
    let running = true;
    const stopped = exited.then(
      () => (running = false),
      () => (running = false),
    );
    const watch = pid !== undefined && (await readable(join(proc, String(pid), 'fd')));
    let tree: number[] | undefined;
    while (watch && running) {
      await Promise.race([delay(this.options.intervalMs ?? INTERVAL_MS), stopped]);
      if (!running) break;
      const names = await readdir(this.dir).catch(() => [] as string[]);
      // Listed after pg_dump forked its workers (before it created toc.dat): the tree is whole.
      if (names.includes(TOC)) tree ??= await processTree(proc, pid);
      const open = tree ? await openNames(this.dir, tree, proc) : new Set<string>();
      // A worker gone while pg_dump runs (it is about to fail) may have left a file cut short.
      if (tree && !(await allAlive(proc, tree))) break;
      if (names.includes(TOC) && (this.states.get(TOC) === 'closed' || !open.has(TOC)))
        this.look(names, open);
      this.wake();
    }
    await exited;
    this.look(await readdir(this.dir), new Set());
  }

  /** Takes one listing: `open` the files some process of pg_dump's tree holds. */
  private look(names: string[], open: Set<string>): void {
    for (const name of names.sort(tocFirst)) {
      const state: FileState = open.has(name) ? 'open' : 'closed';
      const was = this.states.get(name);
      if (was === 'closed' || was === state) continue;
      this.states.set(name, state);
      if (state === 'closed') this.queue.push(name);
      for (const listener of this.listeners) listener(name, state);
    }
  }

  private finish(failure?: { error: unknown }): void {
    this.failure = failure;
    this.finished = true;
    this.wake();
  }

  private wake(): void {
    const waiting = this.waiting;
    this.waiting = [];
    for (const resolve of waiting) resolve();
  }
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

/** The paths a process holds open (none once it is gone). */
async function openPaths(proc: string, pid: number): Promise<string[]> {
  const fdDir = join(proc, String(pid), 'fd');
  const fds = await readdir(fdDir).catch(() => [] as string[]);
  const links = await Promise.all(fds.map((fd) => readlink(join(fdDir, fd)).catch(() => '')));
  return links.filter((link) => link.startsWith('/'));
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
