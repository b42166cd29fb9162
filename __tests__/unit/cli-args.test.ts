// The CLI's command line: COMMAND and --INPUT VALUE / --INPUT=VALUE by action.yml name, env:NAME,
// repeated options as lines, and every refusal naming what is wrong.
import { describe, expect, it } from '@jest/globals';
import { parseCommandLine, UsageError } from '../../src/cli/args.js';
import { helpText } from '../../src/cli/help.js';

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
    expect(parse(['backup', '--bogus', '-h'])).toEqual({ help: true });
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
