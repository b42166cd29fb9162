/**
 * The environment a GitHub runner gives a step of this action, laid out on disk (RUNNER_TEMP, tool
 * cache, workspace, the GITHUB_OUTPUT / GITHUB_STATE / GITHUB_STEP_SUMMARY files), and the parsing
 * of what a step leaves in them: shared by the tests' runner of dist/index.js, the bench and the demo.
 */
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO } from './repo.js';

/** How a step is laid out: which entry, extra environment, and a post step's runner dir and state. */
export interface StepOptions {
  entry?: 'main' | 'post';
  env?: Record<string, string>;
  /** Reuse a runner dir (post step after main). */
  runnerDir?: string;
  /** State saved by main, passed to post as STATE_* variables. */
  state?: Record<string, string>;
  /** Sets GITHUB_ACTIONS=true (default); false leaves it unset (a local run). */
  githubActions?: boolean;
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
  opts: StepOptions = {},
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
