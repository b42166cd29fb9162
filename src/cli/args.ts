import type { Command } from '../settings.js';
import { ACTION_INPUTS } from './action-inputs.js';

/** The commands, in the order --help lists them. */
export const CLI_COMMANDS: readonly Command[] = ['backup', 'restore', 'verify', 'prune', 'check'];

/** What a command line asks for: the help text, or a run with these input values. */
export type CliRequest =
  { help: true; command?: Command } | { help: false; inputs: Record<string, string> };

/** A command line the CLI refuses (exit code 2): the message names the argument. */
export class UsageError extends Error {}

/**
 * Parses `COMMAND [--INPUT VALUE | --INPUT=VALUE]...` into input values by action.yml name. A
 * value `env:NAME` is read from `env`; an option given twice joins its values with a newline
 * (a multi-line input such as storage); `--help` or `-h` anywhere asks for the help text.
 */
export function parseCommandLine(argv: readonly string[], env: NodeJS.ProcessEnv): CliRequest {
  if (argv.some((a) => a === '--help' || a === '-h'))
    return { help: true, command: commandOf(argv) };
  const inputs: Record<string, string> = {};
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i] ?? '';
    if (!arg.startsWith('--')) {
      setCommand(inputs, arg, i);
      continue;
    }
    const [name, inline] = splitOption(arg);
    const raw = inline ?? argv[(i += 1)];
    if (raw === undefined) throw new UsageError(`option --${name} needs a value.`);
    const value = fromEnv(name, raw, env);
    inputs[name] = name in inputs ? `${inputs[name]}\n${value}` : value;
  }
  return { help: false, inputs };
}

function commandOf(argv: readonly string[]): Command | undefined {
  return CLI_COMMANDS.find((c) => c === argv[0]);
}

const NAMES = new Set(ACTION_INPUTS.map((input) => input.name));

function splitOption(arg: string): [string, string | undefined] {
  const eq = arg.indexOf('=');
  const name = eq < 0 ? arg.slice(2) : arg.slice(2, eq);
  if (!NAMES.has(name))
    throw new UsageError(`unknown option --${name}: see --help for the inputs of action.yml.`);
  return [name, eq < 0 ? undefined : arg.slice(eq + 1)];
}

function setCommand(inputs: Record<string, string>, arg: string, at: number): void {
  if (at > 0 || !(CLI_COMMANDS as readonly string[]).includes(arg))
    throw new UsageError(
      at > 0
        ? `unexpected argument '${arg}': give each input as --NAME VALUE.`
        : `unknown command '${arg}': use one of ${CLI_COMMANDS.join(', ')}.`,
    );
  inputs.command = arg;
}

/** `env:NAME` reads the environment variable NAME, so that no secret need appear in argv. */
function fromEnv(option: string, raw: string, env: NodeJS.ProcessEnv): string {
  const name = /^env:(.*)$/s.exec(raw)?.[1];
  if (name === undefined) return raw;
  const value = env[name];
  if (value === undefined)
    throw new UsageError(`--${option} env:${name}: the environment variable ${name} is not set.`);
  return value;
}
