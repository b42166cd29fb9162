import { getExecOutput } from '@actions/exec';
import { ActionError } from '../../errors.js';
import type { Host } from './host.js';

/** One command of an install plan: an argv run without a shell, plus environment variables. */
export interface Command {
  /** Program and arguments. */
  argv: string[];
  /** Variables added to the environment. */
  env?: Record<string, string>;
}

/** Runs a command; resolves with its stdout, rejects with an ActionError on a non-zero exit. */
export type RunCommand = (command: Command, options?: { quiet?: boolean }) => Promise<string>;

/** The command as root: unchanged when root, else through `sudo -n` (variables on its command line, as sudo resets the environment). */
export function privileged(
  argv: string[],
  host: Pick<Host, 'isRoot'>,
  env?: Record<string, string>,
): Command {
  if (host.isRoot) return env ? { argv, env } : { argv };
  const assignments = Object.entries(env ?? {}).map(([name, value]) => `${name}=${value}`);
  return { argv: ['sudo', '-n', ...assignments, ...argv] };
}

/** The command line as a log shows it. */
export function describeCommand(command: Command): string {
  return command.argv.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a}'`)).join(' ');
}

/** A {@link RunCommand} over @actions/exec: output streams to the log unless quiet. */
export function execRunner(baseEnv: NodeJS.ProcessEnv): RunCommand {
  return async (command, options = {}) => {
    const [program = '', ...args] = command.argv;
    const env = { ...stringEnv(baseEnv), ...command.env };
    const result = await getExecOutput(quote(program), args, {
      env,
      silent: options.quiet,
      ignoreReturnCode: true,
    }).catch((error: unknown) => {
      throw new ActionError(`Could not run ${program}: ${String(error)}`, { cause: error });
    });
    if (result.exitCode === 0) return result.stdout;
    throw new ActionError(
      `'${describeCommand(command)}' failed with exit code ${result.exitCode}: ${lastLines(result.stderr || result.stdout)}`,
    );
  };
}

function quote(program: string): string {
  return program.includes(' ') ? `"${program}"` : program;
}

function stringEnv(env: NodeJS.ProcessEnv): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) if (value !== undefined) out[name] = value;
  return out;
}

/** The last few non-empty lines of a command's output, on one line. */
export function lastLines(text: string, count = 5): string {
  const lines = text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  return lines.slice(-count).join(' | ') || 'no output';
}
