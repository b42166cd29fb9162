import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO } from './repo.js';
import { collectProcess } from './spawn.js';

export { REPO } from './repo.js';

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

/** Options of {@link runAction}. */
export interface RunOptions {
  entry?: 'main' | 'post';
  env?: Record<string, string>;
  /** Reuse a runner dir (post step after main). */
  runnerDir?: string;
  /** State saved by main, passed to post as STATE_* variables. */
  state?: Record<string, string>;
}

/** A runner directory laid out for one step, and the environment and script to run it with. */
export interface RunnerStep {
  runnerDir: string;
  files: { output: string; state: string; summary: string };
  env: NodeJS.ProcessEnv;
  script: string;
}

/**
 * Lays out a runner directory (RUNNER_TEMP, tool cache, workspace, file commands) and the
 * environment a runner gives a step: INPUT_<NAME> with hyphens kept, STATE_* for the post step,
 * GITHUB_ACTIONS=true unless `githubActions` is false (a local run).
 */
export async function prepareStep(
  inputs: Record<string, string>,
  opts: RunOptions & { githubActions?: boolean } = {},
): Promise<RunnerStep> {
  const runnerDir = opts.runnerDir ?? (await mkdtemp(join(tmpdir(), 'runner-')));
  const files = await runnerFiles(runnerDir);
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    ...(opts.githubActions === false ? {} : { GITHUB_ACTIONS: 'true' }),
    GITHUB_OUTPUT: files.output,
    GITHUB_STATE: files.state,
    GITHUB_STEP_SUMMARY: files.summary,
    RUNNER_TEMP: join(runnerDir, 'temp'),
    RUNNER_TOOL_CACHE: join(runnerDir, 'tool-cache'),
    GITHUB_WORKSPACE: join(runnerDir, 'workspace'),
    ...opts.env,
  };
  for (const [name, value] of Object.entries(inputs)) env[`INPUT_${name.toUpperCase()}`] = value;
  for (const [name, value] of Object.entries(opts.state ?? {})) env[`STATE_${name}`] = value;
  const script = join(REPO, 'dist', opts.entry === 'post' ? 'post/index.js' : 'index.js');
  return { runnerDir, files, env, script };
}

/** The `::error::` lines of a step's stdout, decoded. */
export function errorLines(stdout: string): string[] {
  return stdout
    .split('\n')
    .filter((l) => l.startsWith('::error'))
    .map(decodeCommand);
}

/** Runs `node dist/index.js` (or the post step) with the runner's environment, as a runner would. */
export async function runAction(
  inputs: Record<string, string>,
  opts: RunOptions = {},
): Promise<ActionRun> {
  const { runnerDir, files, env, script } = await prepareStep(inputs, opts);
  const { code, stdout, stderr } = await collectProcess(process.execPath, [script], {
    env,
    cwd: env.GITHUB_WORKSPACE ?? runnerDir,
  });
  return {
    code,
    stdout,
    stderr,
    outputs: parseFileCommand(await readFile(files.output, 'utf8')),
    state: parseFileCommand(await readFile(files.state, 'utf8')),
    summary: await readFile(files.summary, 'utf8'),
    errors: errorLines(stdout),
    runnerDir,
  };
}

async function runnerFiles(
  dir: string,
): Promise<{ output: string; state: string; summary: string }> {
  for (const sub of ['temp', 'tool-cache', 'workspace', 'files'])
    await mkdir(join(dir, sub), { recursive: true });
  const files = {
    output: join(dir, 'files', 'output'),
    state: join(dir, 'files', 'state'),
    summary: join(dir, 'files', 'summary'),
  };
  for (const f of Object.values(files)) await writeFile(f, '', { flag: 'a' });
  return files;
}

/** Parses the `name<<DELIM\nvalue\nDELIM` format of GITHUB_OUTPUT and GITHUB_STATE. */
export function parseFileCommand(text: string): Record<string, string> {
  const result: Record<string, string> = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i += 1) {
    const m = /^([^<=]+)<<(.+)$/.exec(lines[i] ?? '');
    if (!m?.[1] || !m[2]) continue;
    const end = lines.indexOf(m[2], i + 1);
    result[m[1]] = lines.slice(i + 1, end).join('\n');
    i = end;
  }
  return result;
}

function decodeCommand(line: string): string {
  return line
    .replace(/^::error[^:]*::/, '')
    .replace(/%0D/g, '\r')
    .replace(/%0A/g, '\n')
    .replace(/%25/g, '%');
}

/** The log as a user sees it: the runner hides its own ::add-mask:: commands. */
export function visibleLog(run: ActionRun): string {
  return (run.stdout + run.stderr)
    .split('\n')
    .filter((l) => !l.startsWith('::add-mask::'))
    .join('\n');
}
