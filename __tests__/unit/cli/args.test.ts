// The CLI's command line: COMMAND and --INPUT VALUE / --INPUT=VALUE by action.yml name, env:NAME,
// repeated options as lines, and every refusal naming what is wrong.
import { describe, expect, it } from '@jest/globals';
import { parseCommandLine, UsageError } from '../../../src/cli/args.js';
import { appliesTo, helpText } from '../../../src/cli/help.js';

const parse = (argv: string[], env: NodeJS.ProcessEnv = {}) => parseCommandLine(argv, env);

describe('parseCommandLine', () => {
  it('reads the command and the inputs in both spellings', () => {
    expect(
      parse(['restore', '--storage', '/b', '--label=app', '--extra-args', '--no-comments']),
    ).toEqual({
      help: false,
      inputs: { command: 'restore', storage: '/b', label: 'app', 'extra-args': '--no-comments' },
    });
  });

  it('takes env:NAME from the environment and joins a repeated option with a newline', () => {
    const env = { DB: 'postgresql://u:p@h/db' };
    expect(
      parse(['--database-url', 'env:DB', '--storage', 'a', '--storage=s3://b/p/'], env),
    ).toEqual({
      help: false,
      inputs: { 'database-url': 'postgresql://u:p@h/db', storage: 'a\ns3://b/p/' },
    });
  });

  it('--help or -h anywhere asks for help', () => {
    expect(parse(['backup', '--bogus', '-h'])).toEqual({ help: true, command: 'backup' });
    expect(parse(['--help'])).toEqual({ help: true, command: undefined });
  });

  it.each([
    [['--databse-url', 'x'], /^unknown option --databse-url:/],
    [['bakup'], /^unknown command 'bakup'/],
    [['backup', 'extra'], /^unexpected argument 'extra'/],
    [['backup', '--storage'], /^option --storage needs a value\.$/],
    [['--database-url', 'env:MISSING'], /environment variable MISSING is not set/],
  ])('refuses %j', (argv, message) => {
    expect(() => parse(argv)).toThrow(UsageError);
    expect(() => parse(argv)).toThrow(message);
  });
});

describe('helpText', () => {
  it('keeps its lines within the width and shows no ${{ }} default', () => {
    const text = helpText(100);
    for (const line of text.split('\n')) expect(line.length).toBeLessThanOrEqual(100);
    expect(text).not.toContain('${{');
  });
});

describe('appliesTo', () => {
  it.each([
    ['Storage locations, one per line: ...', 'prune', true],
    ['backup: pg_dump output format.', 'backup', true],
    ['backup: pg_dump output format.', 'restore', false],
    ['restore/verify: the workflow run whose artifacts hold the backup.', 'verify', true],
    ['restore, verify: leave object ownership out.', 'backup', false],
    ['backup, check, prune: the backup id whose anomaly holds retention.', 'check', true],
    ['restore and the verify drill: SQL text, ...', 'verify', true],
    ['restore and the verify drill: SQL text, ...', 'prune', false],
    ['Label that starts the backup id (<label>-<YYYYMMDDTHHMMSSZ>). Default: x', 'check', true],
  ] as const)('%j applies to %s: %s', (description, command, expected) => {
    expect(appliesTo(description, command)).toBe(expected);
  });

  it('restore --help lists target-database-url and not format', () => {
    const text = helpText(100, 'restore');
    expect(text).toContain('  --target-database-url\n');
    expect(text).toContain('  --storage\n');
    expect(text).not.toContain('  --format\n');
  });
});
