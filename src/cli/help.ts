import { ACTION_INPUTS } from './action-inputs.js';
import { CLI_COMMANDS } from './args.js';
import type { Command } from '../settings.js';

const WHAT: Record<Command, string> = {
  backup: 'dump, compress, optionally encrypt, store, verify, write a manifest, apply retention',
  restore: "check a backup's SHA-256, then restore it into target-database-url",
  verify: 're-read a stored backup (checksum, full archive read, row counts); optionally a drill',
  prune: 'apply the retention policy (keep-*) to the backups of one label',
  check: 'fail when the newest backup is older than max-age or its size is off',
};

/**
 * The text of `--help`: usage, the commands, and the inputs of action.yml with their defaults;
 * with a `command`, only the inputs that apply to it (those whose description does not name
 * other commands first, as `restore/verify: ...` does).
 */
export function helpText(width = 100, command?: Command): string {
  const lines = [
    'Usage: node dist/cli.js COMMAND [--INPUT VALUE | --INPUT=VALUE]...',
    '',
    'Runs the PostgreSQL backup action outside GitHub Actions, exactly as the action runs there.',
    'A value env:NAME reads the environment variable NAME (keep secrets out of argv). Repeat an',
    'option for a multi-line input (--storage DIR --storage s3://bucket/prefix/).',
    'Exit codes: 0 done, 1 the command failed, 2 a bad command line.',
    '',
    'Commands (COMMAND --help lists the inputs of one):',
    ...CLI_COMMANDS.map((c) => `  ${c.padEnd(9)}${WHAT[c]}`),
    '',
    command
      ? `Inputs (action.yml; those it marks for other commands than ${command} left out):`
      : 'Inputs (action.yml):',
  ];
  const inputs = ACTION_INPUTS.filter((i) => i.name !== 'command');
  for (const input of inputs.filter((i) => !command || appliesTo(i.description, command))) {
    const shown = input.default.includes('${{') ? '' : input.default;
    const text = shown ? `${input.description} (default: ${shown})` : input.description;
    lines.push(`  --${input.name}`, ...wrap(text, width - 6).map((l) => `      ${l}`));
  }
  return `${lines.join('\n')}\n`;
}

/** Whether an input applies to `command`: its description names no commands first, or names it. */
export function appliesTo(description: string, command: Command): boolean {
  const prefix = /^([a-z ,/]+):/.exec(description)?.[1] ?? '';
  const words = prefix.split(/[ ,/]+/).filter(Boolean);
  const named = words.filter((w) => (CLI_COMMANDS as readonly string[]).includes(w));
  const only = words.every((w) => named.includes(w) || ['and', 'the', 'drill'].includes(w));
  return named.length === 0 || !only || named.includes(command);
}

function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/)) {
    if (line && line.length + word.length + 1 > width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  return line ? [...lines, line] : lines;
}
