import { describe, expect, it } from '@jest/globals';
import { buildPgDumpArgs, describeArgs, type DumpTarget } from '../../../src/postgres/pg-dump.js';
import type { BackupSettings } from '../../../src/settings.js';

const PASSWORD = "s3cr3t'pa:ss\\word";

function settings(overrides: Partial<BackupSettings> = {}): BackupSettings {
  return {
    connection: {
      host: 'db.example.com',
      port: 5433,
      database: 'shop',
      user: 'backup',
      password: PASSWORD,
      params: { sslmode: 'require' },
    },
    storage: [{ kind: 'local', directory: '/backups' }],
    label: 'shop',
    client: { pgVersion: 'auto' },
    format: 'custom',
    compression: { method: 'auto' },
    filters: {
      schemas: [],
      excludeSchemas: [],
      tables: [],
      excludeTables: [],
      excludeTableData: [],
    },
    schemaOnly: false,
    dataOnly: false,
    extraArgs: [],
    verify: 'archive',
    labels: {},
    globals: false,
    anomaly: { mode: 'warn', rowDrop: 50 },
    ...overrides,
  };
}

const STDOUT: DumpTarget = { kind: 'stdout' };
const CONNINFO =
  "--dbname=host='db.example.com' port='5433' dbname='shop' user='backup' sslmode='require'";

describe('buildPgDumpArgs', () => {
  it('builds the minimal argv for custom format to stdout', () => {
    expect(buildPgDumpArgs(settings(), 'zstd:3', STDOUT)).toEqual([
      '--format=custom',
      '--no-password',
      '--compress=zstd:3',
      CONNINFO,
    ]);
  });

  it.each([
    ['custom', 'zstd:3', '--compress=zstd:3'],
    ['custom', '6', '--compress=6'],
    ['custom', '0', '--compress=0'],
    ['directory', 'lz4', '--compress=lz4'],
    ['plain', undefined, undefined],
    ['tar', undefined, undefined],
  ] as [BackupSettings['format'], string | undefined, string | undefined][])(
    'passes --format=%s and the compression %j',
    (format, compress, expected) => {
      const args = buildPgDumpArgs(settings({ format }), compress, STDOUT);
      expect(args[0]).toBe(`--format=${format}`);
      const compressArgs = args.filter((a) => a.startsWith('--compress'));
      expect(compressArgs).toEqual(expected ? [expected] : []);
    },
  );

  it('writes a directory target with --file and --no-sync, and parallel jobs', () => {
    const args = buildPgDumpArgs(settings({ format: 'directory', jobs: 4 }), 'zstd:3', {
      kind: 'directory',
      path: '/tmp/spool/app-20261122T020000Z',
    });
    expect(args).toEqual([
      '--format=directory',
      '--no-password',
      '--compress=zstd:3',
      '--file=/tmp/spool/app-20261122T020000Z',
      '--no-sync',
      '--jobs=4',
      CONNINFO,
    ]);
  });

  it('never writes --file or --no-sync for stdout', () => {
    const args = buildPgDumpArgs(settings({ format: 'plain' }), undefined, STDOUT);
    expect(args.some((a) => a.startsWith('--file') || a === '--no-sync')).toBe(false);
  });

  it('passes every filter, flag, timeout and extra arg in a fixed order, dbname last', () => {
    const args = buildPgDumpArgs(
      settings({
        filters: {
          schemas: ['public', 'sales'],
          excludeSchemas: ['tmp'],
          tables: ['public.orders', '"Mixed Case".t*'],
          excludeTables: ['public.log_*'],
          excludeTableData: ['public.events', 'public.sessions'],
        },
        schemaOnly: true,
        lockWaitTimeout: '5min',
        extraArgs: ['--no-comments', '-O'],
      }),
      '0',
      STDOUT,
    );
    expect(args).toEqual([
      '--format=custom',
      '--no-password',
      '--compress=0',
      '--schema=public',
      '--schema=sales',
      '--exclude-schema=tmp',
      '--table=public.orders',
      '--table="Mixed Case".t*',
      '--exclude-table=public.log_*',
      '--exclude-table-data=public.events',
      '--exclude-table-data=public.sessions',
      '--schema-only',
      '--lock-wait-timeout=5min',
      '--no-comments',
      '-O',
      CONNINFO,
    ]);
  });

  it.each([
    [{ schemaOnly: true }, ['--schema-only'], ['--data-only']],
    [{ dataOnly: true }, ['--data-only'], ['--schema-only']],
    [{}, [], ['--schema-only', '--data-only', '--jobs', '--lock-wait-timeout']],
  ] as [Partial<BackupSettings>, string[], string[]][])('with %j', (overrides, present, absent) => {
    const args = buildPgDumpArgs(settings(overrides), undefined, STDOUT);
    for (const a of present) expect(args).toContain(a);
    for (const a of absent) expect(args.some((x) => x.startsWith(a))).toBe(false);
  });

  it('keeps every argument a single argv entry (no shell splitting)', () => {
    const args = buildPgDumpArgs(
      settings({
        filters: {
          schemas: ['my schema; rm -rf /'],
          excludeSchemas: [],
          tables: [],
          excludeTables: [],
          excludeTableData: [],
        },
      }),
      undefined,
      STDOUT,
    );
    expect(args).toContain('--schema=my schema; rm -rf /');
  });

  it.each([
    ['a plain password', 'plainpw'],
    ['a password with quotes and backslashes', PASSWORD],
    ['a password equal to a word of the conninfo', 'require'],
  ])('never puts %s in any argument', (_what, password) => {
    const s = settings({ connection: { ...settings().connection, password } });
    const args = buildPgDumpArgs(s, 'zstd:3', STDOUT);
    const dbname = args.find((a) => a.startsWith('--dbname='));
    expect(dbname).toBeDefined();
    expect(dbname).not.toMatch(/password/i);
    if (password !== 'require') for (const a of args) expect(a).not.toContain(password);
  });

  it('puts the connection in one --dbname conninfo, quoting its values', () => {
    const s = settings({
      connection: {
        host: '/var/run/postgresql',
        port: 5432,
        database: "o'brien db",
        user: '',
        password: 'x',
        params: { options: '-c statement_timeout=0' },
      },
    });
    const args = buildPgDumpArgs(s, undefined, STDOUT);
    expect(args.filter((a) => a.startsWith('--dbname='))).toEqual([
      "--dbname=host='/var/run/postgresql' port='5432' dbname='o\\'brien db' options='-c statement_timeout=0'",
    ]);
    expect(args[args.length - 1]?.startsWith('--dbname=')).toBe(true);
  });
});

describe('describeArgs', () => {
  it('hides the conninfo and keeps everything else', () => {
    const args = buildPgDumpArgs(settings({ extraArgs: ['--no-comments'] }), 'zstd:3', STDOUT);
    const text = describeArgs(args);
    expect(text).toBe('--format=custom --no-password --compress=zstd:3 --no-comments --dbname=…');
    expect(text).not.toContain('db.example.com');
    expect(text).not.toContain('backup');
    expect(text).not.toContain(PASSWORD);
  });

  it('leaves argv without a --dbname as it is', () => {
    expect(describeArgs(['--format=plain', '-O'])).toBe('--format=plain -O');
  });
});
