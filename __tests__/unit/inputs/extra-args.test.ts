import { describe, expect, it } from '@jest/globals';
import { InputError } from '../../../src/errors.js';
import { checkExtraArgs, splitArgs } from '../../../src/inputs/extra-args.js';
import { thrown } from '../../helpers/unit-support.js';

const INPUT = 'extra-args';

describe('splitArgs', () => {
  it.each([
    ['', []],
    ['   \n\t ', []],
    ['--no-comments', ['--no-comments']],
    ['--no-comments -O -x', ['--no-comments', '-O', '-x']],
    ['  --a\n--b\t--c  ', ['--a', '--b', '--c']],
    ['--role="app owner"', ['--role=app owner']],
    ["--role='app owner'", ['--role=app owner']],
    ['"--role=app owner"', ['--role=app owner']],
    ['--a="x" --b', ['--a=x', '--b']],
    ['--x="a\\"b"', ['--x=a"b']],
    ['--x="a\\\\b"', ['--x=a\\b']],
    ["--x='a\\b'", ['--x=a\\b']],
    ["--x='a\"b'", ['--x=a"b']],
    ['--x="a\'b"', ["--x=a'b"]],
    ['--x=a\\ b', ['--x=a b']],
    ['--x=a\\"b', ['--x=a"b']],
    ['--x=""', ['--x=']],
    ['""', ['']],
    ["'' --y", ['', '--y']],
    ['--x="a"\'b\'c', ['--x=abc']],
    ['--x="multi\nline"', ['--x=multi\nline']],
    ['--snapshot=00000003-0000001B-1', ['--snapshot=00000003-0000001B-1']],
  ])('splits %j into %j', (raw, expected) => {
    expect(splitArgs(INPUT, raw)).toEqual(expected);
  });

  it.each(['"unclosed', "'unclosed", '--x="a b', "--x='it''s", '--x="a\\"'])(
    'rejects the unclosed quote in %j naming the input',
    (raw) => {
      const error = thrown(() => splitArgs(INPUT, raw));
      expect(error).toBeInstanceOf(InputError);
      expect(error.message).toContain("Input 'extra-args'");
      expect(error.message).toContain('unclosed');
    },
  );

  it('keeps a trailing backslash as it is', () => {
    expect(splitArgs(INPUT, '--x=a\\')).toEqual(['--x=a\\']);
  });
});

describe('checkExtraArgs', () => {
  // [argument, what the hint must name]
  const MANAGED: [string, string][] = [
    ['-f', 'storage'],
    ['--file', 'storage'],
    ['--file=out.dump', 'storage'],
    ['-fout.dump', 'storage'],
    ['-F', "'format'"],
    ['--format=plain', "'format'"],
    ['-Fp', "'format'"],
    ['-Z', "'compression'"],
    ['--compress=9', "'compression'"],
    ['-Z9', "'compression'"],
    ['-j', "'jobs'"],
    ['--jobs=4', "'jobs'"],
    ['-j4', "'jobs'"],
    ['-d', "'database-url'"],
    ['--dbname=other', "'database-url'"],
    ['-dother', "'database-url'"],
    ['-h', "'database-url'"],
    ['--host=db', "'database-url'"],
    ['-hdb', "'database-url'"],
    ['-p', "'database-url'"],
    ['--port=5433', "'database-url'"],
    ['-p5433', "'database-url'"],
    ['-U', "'database-url'"],
    ['--username=postgres', "'database-url'"],
    ['-Upostgres', "'database-url'"],
    ['-W', "'database-url'"],
    ['--password', "'database-url'"],
    ['-n', "'schemas'"],
    ['--schema=public', "'schemas'"],
    ['-npublic', "'schemas'"],
    ['-N', "'exclude-schemas'"],
    ['--exclude-schema=tmp', "'exclude-schemas'"],
    ['-Ntmp', "'exclude-schemas'"],
    ['-t', "'tables'"],
    ['--table=orders', "'tables'"],
    ['-torders', "'tables'"],
    ['-T', "'exclude-tables'"],
    ['--exclude-table=logs', "'exclude-tables'"],
    ['-Tlogs', "'exclude-tables'"],
    ['--exclude-table-data=events', "'exclude-table-data'"],
    ['--exclude-table-data', "'exclude-table-data'"],
    ['-s', "'schema-only'"],
    ['--schema-only', "'schema-only'"],
    ['-a', "'data-only'"],
    ['--data-only', "'data-only'"],
    ['--lock-wait-timeout=5000', "'lock-wait-timeout'"],
    ['--lock-wait-timeout', "'lock-wait-timeout'"],
    ['-V', 'does not dump'],
    ['--version', 'does not dump'],
    ['-?', 'does not dump'],
    ['--help', 'does not dump'],
  ];

  it.each(MANAGED)('rejects %s with a hint naming %s', (arg, hint) => {
    for (const verify of ['archive', 'none'] as const) {
      const error = thrown(() => checkExtraArgs(INPUT, ['--no-comments', arg], verify));
      expect(error).toBeInstanceOf(InputError);
      expect(error.message).toContain("Input 'extra-args'");
      expect(error.message).toContain(`'${arg}'`);
      expect(error.message).toContain(hint);
    }
  });

  it.each(['--inserts', '--column-inserts', '--rows-per-insert=100', '--rows-per-insert'])(
    'rejects %s with verify: archive, naming verify: none',
    (arg) => {
      const error = thrown(() => checkExtraArgs(INPUT, [arg], 'archive'));
      expect(error).toBeInstanceOf(InputError);
      expect(error.message).toContain(`'${arg}'`);
      expect(error.message).toContain('verify: none');
    },
  );

  it.each(['--inserts', '--column-inserts', '--rows-per-insert=100'])(
    'allows %s with verify: none',
    (arg) => {
      expect(checkExtraArgs(INPUT, [arg, '--on-conflict-do-nothing'], 'none')).toEqual([
        arg,
        '--on-conflict-do-nothing',
      ]);
    },
  );

  it.each(['mydb', 'public', 'data', 'out.dump', '5000'])(
    'rejects the positional argument %j, asking for --option=value',
    (arg) => {
      const error = thrown(() => checkExtraArgs(INPUT, ['--section', arg], 'archive'));
      expect(error).toBeInstanceOf(InputError);
      expect(error.message).toContain(`'${arg}'`);
      expect(error.message).toContain('--option=value');
    },
  );

  it('rejects an empty argument as a positional one', () => {
    expect(() => checkExtraArgs(INPUT, [''], 'archive')).toThrow(InputError);
  });

  const HARMLESS = [
    '--no-comments',
    '-O',
    '--no-owner',
    '-x',
    '--no-privileges',
    '--no-acl',
    '--section=data',
    '--section=pre-data',
    '--quote-all-identifiers',
    '--no-publications',
    '--no-subscriptions',
    '--no-security-labels',
    '--no-tablespaces',
    '--no-unlogged-table-data',
    '--no-table-access-method',
    '--enable-row-security',
    '--serializable-deferrable',
    '--snapshot=00000003-0000001B-1',
    '--role=backup_role',
    '--encoding=UTF8',
    '-v',
    '--verbose',
    '--no-sync',
    '--load-via-partition-root',
    '--include-foreign-data=srv',
    '--extra-float-digits=3',
    '--disable-triggers',
    '--if-exists',
    '-c',
    '--clean',
    '--create',
  ];

  it.each(HARMLESS)('allows %s', (arg) => {
    expect(checkExtraArgs(INPUT, [arg], 'archive')).toEqual([arg]);
  });

  it('returns all the arguments, in order', () => {
    expect(checkExtraArgs(INPUT, HARMLESS, 'archive')).toEqual(HARMLESS);
    expect(checkExtraArgs(INPUT, [], 'archive')).toEqual([]);
  });

  // Regression: pg_dump (glibc getopt_long) accepts bundled short options and unique prefixes of long
  // options, so these reach pg_dump and change its output format, file, compression or
  // connection behind the action's back (checked with pg_dump 18: `--form=zzz` and `-OFzzz` both
  // fail with 'invalid output format "zzz"').
  it.each([
    ['-OFp', "'format'"],
    ['-Ofout.sql', 'storage'],
    ['-OZ0', "'compression'"],
    ['-Os', "'schema-only'"],
    ['--form=plain', "'format'"],
    ['--comp=0', "'compression'"],
    ['--dbn=other', "'database-url'"],
    ['--schema-o', "'schema-only'"],
  ])('rejects %s, an alias of a managed option, naming %s', (arg, hint) => {
    const error = thrown(() => checkExtraArgs(INPUT, [arg], 'archive'));
    expect(error.message).toContain(hint);
  });

  // Regression: `--` ends pg_dump's options, so the action's own `--dbname=…` after it becomes the
  // positional database name.
  it('rejects --, which would turn the appended --dbname into a positional argument', () => {
    expect(() => checkExtraArgs(INPUT, ['--'], 'archive')).toThrow(InputError);
  });
});
