/**
 * The one runner of the bundled action (`node dist/index.js`, or the post step) in the tests: the
 * environment and runner-dir layout a runner gives a step (scripts/lib/action-env.ts), then either
 * run to its end (runAction, the e2e tier) or started and returned at once (startAction, the
 * faults tier) so that a test can signal it, watch its children and kill them.
 *
 * A watched action is started as a process-group leader and every process it starts is recorded
 * while it runs (a /proc scan every 40 ms of its process tree and of its process group), so a child
 * that outlives the action (reparented to init after a SIGKILL) is still found afterwards.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import {
  errorLines,
  parseFileCommand,
  prepareStep,
  type StepOptions,
} from '../../scripts/lib/action-env.js';

/** What one run of the bundled action left behind. */
export interface ActionRun {
  code: number;
  stdout: string;
  stderr: string;
  outputs: Record<string, string>;
  state: Record<string, string>;
  summary: string;
  /** The `::error::` lines, decoded. */
  errors: string[];
  /** The runner-like directory used (RUNNER_TEMP etc. live under it). */
  runnerDir: string;
}

/** Options of {@link startAction}: the step's layout, and whether its process tree is watched. */
export interface StartOptions extends StepOptions {
  /** Start it as a group leader and record every process it starts (default true). */
  watch?: boolean;
}

/** A finished run: ActionRun plus how the process ended. */
export interface FinishedRun extends ActionRun {
  /** The signal that ended the process (then `code` is -1). */
  signal: NodeJS.Signals | null;
  /** Milliseconds from start to exit. */
  ms: number;
}

/** One process seen in the action's tree. */
export interface SeenProcess {
  pid: number;
  ppid: number;
  comm: string;
  /** Field 22 of /proc/PID/stat: tells a reused pid from the original process. */
  start: string;
  cmdline: string;
}

/** A running action. */
export interface ActionProcess {
  child: ChildProcess;
  pid: number;
  runnerDir: string;
  inputs: Record<string, string>;
  options: StartOptions;
  /** The environment the action was started with. */
  env: NodeJS.ProcessEnv;
  files: RunnerFiles;
  /** Stdout so far. */
  stdout(): string;
  /** Resolves once the process has exited (never rejects). */
  exited: Promise<FinishedRun>;
  /** The run, or undefined when it has not exited within `ms`. */
  waitExit(ms: number): Promise<FinishedRun | undefined>;
  /** Live descendants now (the action itself excluded). */
  children(): SeenProcess[];
  /** Every descendant ever seen. */
  seen(): SeenProcess[];
  /** Descendants seen during the run that are still alive (same pid and start time). */
  survivors(): SeenProcess[];
}

/** The runner's file commands. */
export interface RunnerFiles {
  output: string;
  state: string;
  summary: string;
}

/** Runs `node dist/index.js` (or the post step) to its end with the runner's environment. */
export async function runAction(
  inputs: Record<string, string>,
  opts: StepOptions = {},
): Promise<FinishedRun> {
  return (await startAction(inputs, { ...opts, watch: false })).exited;
}

/** The log as a user sees it: the runner hides its own ::add-mask:: commands. */
export function visibleLog(run: ActionRun): string {
  return (run.stdout + run.stderr)
    .split('\n')
    .filter((l) => !l.startsWith('::add-mask::'))
    .join('\n');
}

const live = new Set<ActionProcess>();

/** Starts the action and returns while it runs. */
export async function startAction(
  inputs: Record<string, string>,
  opts: StartOptions = {},
): Promise<ActionProcess> {
  const { runnerDir, files, env, script } = await prepareStep(inputs, opts);
  const started = Date.now();
  const watch = opts.watch ?? true;
  const child = spawn(process.execPath, [script], {
    env,
    cwd: env.GITHUB_WORKSPACE ?? runnerDir,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: watch,
  });
  const pid = child.pid;
  if (pid === undefined) throw new Error('could not start node dist/index.js');
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));

  const seen = new Map<string, SeenProcess>();
  const scan = () => {
    if (watch) for (const p of treeOf(pid)) seen.set(`${p.pid}:${p.start}`, p);
  };
  scan();
  const timer = watch ? setInterval(scan, 40) : undefined;
  const closed = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('close', (code, signal) => resolve({ code, signal })),
  );
  const exited = closed.then(async ({ code, signal }): Promise<FinishedRun> => {
    clearInterval(timer);
    scan();
    const read = (f: string) => readFile(f, 'utf8').catch(() => '');
    return {
      code: code ?? -1,
      signal,
      ms: Date.now() - started,
      stdout,
      stderr,
      outputs: parseFileCommand(await read(files.output)),
      state: parseFileCommand(await read(files.state)),
      summary: await read(files.summary),
      errors: errorLines(stdout),
      runnerDir,
    };
  });
  const proc: ActionProcess = {
    child,
    pid,
    runnerDir,
    inputs,
    options: opts,
    env,
    files,
    stdout: () => stdout,
    exited,
    waitExit: (ms) =>
      Promise.race([
        exited,
        new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), ms).unref()),
      ]),
    children: () => treeOf(pid).filter((p) => p.pid !== pid),
    seen: () => [...seen.values()].filter((p) => p.pid !== pid),
    survivors: () => [...seen.values()].filter((p) => p.pid !== pid && isAlive(p)),
  };
  live.add(proc);
  void exited.then(() => live.delete(proc));
  return proc;
}

/** Runs the post step after `main` as the runner does: same inputs and env, main's saved state. */
export async function runPostStep(main: ActionProcess, timeoutMs = 60_000): Promise<FinishedRun> {
  const state = parseFileCommand(await readFile(main.files.state, 'utf8').catch(() => ''));
  const extraEnv: Record<string, string> = {};
  for (const [k, v] of Object.entries(main.options.env ?? {})) extraEnv[k] = v;
  const post = await startAction(main.inputs, {
    entry: 'post',
    runnerDir: main.runnerDir,
    state,
    env: extraEnv,
    githubActions: main.options.githubActions,
  });
  const run = await post.waitExit(timeoutMs);
  if (run) return run;
  killTree(post);
  return post.exited;
}

/** SIGKILLs the action and every live process it started (by pid). */
export function killTree(proc: ActionProcess): void {
  for (const p of [...proc.children(), ...proc.survivors()]) signalPid(p.pid, 'SIGKILL');
  signalPid(proc.pid, 'SIGKILL');
}

/** Kills every action started by this worker that is still running, and their children. */
export function killAllActions(): void {
  for (const proc of live) killTree(proc);
}

/** process.kill that ignores a process that is already gone. */
export function signalPid(pid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(pid, signal);
    return true;
  } catch {
    return false;
  }
}

interface Stat {
  pid: number;
  ppid: number;
  pgrp: number;
  session: number;
  state: string;
  comm: string;
  start: string;
}

function readStat(pid: number): Stat | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  const rest = text
    .slice(close + 2)
    .trim()
    .split(' ');
  // rest[0] is field 3 (state): field N is rest[N - 3].
  return {
    pid,
    comm: text.slice(open + 1, close),
    state: rest[0] ?? '?',
    ppid: Number(rest[1]),
    pgrp: Number(rest[2]),
    session: Number(rest[3]),
    start: rest[19] ?? '',
  };
}

function cmdlineOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
  } catch {
    return '';
  }
}

function allStats(): Stat[] {
  const stats: Stat[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const s = readStat(Number(name));
    if (s && s.state !== 'Z') stats.push(s);
  }
  return stats;
}

/** The process `root`, its descendants, and every member of its process group or session. */
function treeOf(root: number): SeenProcess[] {
  const stats = allStats();
  const byParent = new Map<number, Stat[]>();
  for (const s of stats) byParent.set(s.ppid, [...(byParent.get(s.ppid) ?? []), s]);
  const found = new Map<number, Stat>();
  const queue = stats.filter((s) => s.pid === root || s.pgrp === root || s.session === root);
  while (queue.length > 0) {
    const s = queue.shift() as Stat;
    if (found.has(s.pid)) continue;
    found.set(s.pid, s);
    queue.push(...(byParent.get(s.pid) ?? []));
  }
  return [...found.values()].map((s) => ({
    pid: s.pid,
    ppid: s.ppid,
    comm: s.comm,
    start: s.start,
    cmdline: cmdlineOf(s.pid),
  }));
}

function isAlive(p: SeenProcess): boolean {
  const s = readStat(p.pid);
  return s !== undefined && s.start === p.start && s.state !== 'Z';
}

/** The environment of a live process, as NAME=value strings ([] when it is gone). */
export function environOf(pid: number): string[] {
  try {
    return readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').filter(Boolean);
  } catch {
    return [];
  }
}

/** Bytes a live process has written so far (/proc/PID/io wchar), or -1 when it is gone. */
export function bytesWritten(pid: number): number {
  try {
    const m = /^wchar: (\d+)$/m.exec(readFileSync(`/proc/${pid}/io`, 'utf8'));
    return m ? Number(m[1]) : -1;
  } catch {
    return -1;
  }
}
