import { describe, expect, it } from '@jest/globals';
import { parseDatabaseUrl, toConninfo, type Connection } from '../../../src/postgres/connection.js';
import {
  buildArchiveReadArgs,
  buildParallelArgs,
  buildPsqlArgs,
  buildSelectionArgs,
  buildToSqlArgs,
  type RestoreSelection,
} from '../../../src/postgres/pg-restore.js';

const PASSWORD = "pa ss'w\\ord@#%";
const ENCODED = encodeURIComponent(PASSWORD);

const NOTHING: RestoreSelection = {
  schemas: [],
  tables: [],
  schemaOnly: false,
  dataOnly: false,
  noOwner: false,
  noPrivileges: false,
  clean: false,
};

/** The selection the restore defaults give (no-owner and no-privileges true). */
const DEFAULT: RestoreSelection = { ...NOTHING, noOwner: true, noPrivileges: true };

const sel = (given: Partial<RestoreSelection>): RestoreSelection => ({ ...NOTHING, ...given });

const target = (url: string): Connection => parseDatabaseUrl('target-database-url', url);

const TARGETS: [string, Connection][] = [
  ['password in the URL', target(`postgresql://restorer:${ENCODED}@db.example.com:6543/shop`)],
  ['password as a parameter', target(`postgresql://restorer@db/shop?password=${ENCODED}`)],
  [
    'sslmode and options',
    target(`postgresql://u:${ENCODED}@h/d?sslmode=require&application_name=x`),
  ],
  ['no password', target('postgresql://restorer@db.example.com/shop')],
  [
    'a socket directory',
    target(`postgresql:///shop?host=/var/run/postgresql&user=u&password=${ENCODED}`),
  ],
  ['an IPv6 host', target(`postgresql://u:${ENCODED}@[::1]:5433/shop`)],
];

function expectNoPassword(args: string[], conn: Connection): void {
  if (!conn.password) return;
  for (const arg of args) {
    expect(arg).not.toContain(conn.password);
    expect(arg).not.toContain(encodeURIComponent(conn.password));
  }
  expect(args.join(' ')).not.toMatch(/\bpassword\s*=/i);
}

describe('buildSelectionArgs', () => {
  it.each([
    ['nothing', NOTHING, []],
    ['the restore defaults', DEFAULT, ['--no-owner', '--no-privileges']],
    ['no-owner', sel({ noOwner: true }), ['--no-owner']],
    ['no-privileges', sel({ noPrivileges: true }), ['--no-privileges']],
    ['clean', sel({ clean: true }), ['--clean', '--if-exists']],
    ['schema-only', sel({ schemaOnly: true }), ['--schema-only']],
    ['data-only', sel({ dataOnly: true }), ['--data-only']],
    ['one schema', sel({ schemas: ['sales'] }), ['--schema=sales']],
    ['two schemas', sel({ schemas: ['sales', 'hr'] }), ['--schema=sales', '--schema=hr']],
    ['a plain table', sel({ tables: ['orders'] }), ['--table=orders']],
    ['plain tables', sel({ tables: ['orders', 'items'] }), ['--table=orders', '--table=items']],
    ['a qualified table', sel({ tables: ['sales.orders'] }), ['--table=orders', '--schema=sales']],
    [
      'qualified tables add their schema once',
      sel({ tables: ['sales.orders', 'sales.items', 'hr.people'] }),
      ['--table=orders', '--table=items', '--table=people', '--schema=sales', '--schema=hr'],
    ],
    [
      'a qualified table in a given schema adds it once',
      sel({ schemas: ['sales'], tables: ['sales.orders'] }),
      ['--table=orders', '--schema=sales'],
    ],
    [
      'given schemas come before the schemas of tables',
      sel({ schemas: ['hr'], tables: ['sales.orders', 'hr.people'] }),
      ['--table=orders', '--table=people', '--schema=hr', '--schema=sales'],
    ],
    [
      'a name with several dots splits at the last',
      sel({ tables: ['my.schema.orders'] }),
      ['--table=orders', '--schema=my.schema'],
    ],
    ['a leading dot is part of a plain name', sel({ tables: ['.orders'] }), ['--table=.orders']],
    [
      'names with spaces and capitals stay one argument each',
      sel({ schemas: ['My Schema'], tables: ['Sales Dept.Big Orders'] }),
      ['--table=Big Orders', '--schema=My Schema', '--schema=Sales Dept'],
    ],
    [
      'everything, in a fixed order',
      {
        schemas: ['s'],
        tables: ['t', 'x.u'],
        schemaOnly: true,
        dataOnly: false,
        noOwner: true,
        noPrivileges: true,
        clean: true,
      },
      [
        '--no-owner',
        '--no-privileges',
        '--clean',
        '--if-exists',
        '--schema-only',
        '--table=t',
        '--table=u',
        '--schema=s',
        '--schema=x',
      ],
    ],
    [
      'data-only with tables',
      sel({ dataOnly: true, tables: ['public.t'] }),
      ['--data-only', '--table=t', '--schema=public'],
    ],
  ] as [string, RestoreSelection, string[]][])('%s', (_why, selection, expected) => {
    expect(buildSelectionArgs(selection)).toEqual(expected);
  });

  it('never adds a flag twice', () => {
    const args = buildSelectionArgs({
      ...DEFAULT,
      clean: true,
      schemas: ['a', 'b', 'a'],
      tables: ['a.t', 'b.t', 'a.u'],
    });
    expect(args.filter((a) => a === '--schema=a')).toHaveLength(1);
    expect(args.filter((a) => a === '--schema=b')).toHaveLength(1);
    expect(args.filter((a) => a === '--if-exists')).toHaveLength(1);
  });

  it('does not change the selection it is given', () => {
    const selection = sel({ schemas: ['a'], tables: ['b.t'] });
    buildSelectionArgs(selection);
    expect(selection).toEqual(sel({ schemas: ['a'], tables: ['b.t'] }));
  });

  it('writes every value as --name=value (one argv entry, never a separate value)', () => {
    const args = buildSelectionArgs(sel({ schemas: ['-x'], tables: ['--file=/etc/passwd'] }));
    expect(args).toEqual(['--table=--file=/etc/passwd', '--schema=-x']);
  });
});

describe('buildToSqlArgs', () => {
  it.each([
    ['/tmp/w/app-20261122T020000Z.dump', NOTHING, ['--file=-', '/tmp/w/app-20261122T020000Z.dump']],
    ['/tmp/w/app.dump', DEFAULT, ['--file=-', '--no-owner', '--no-privileges', '/tmp/w/app.dump']],
    [
      '/tmp/w/dir',
      sel({ clean: true, tables: ['s.t'] }),
      ['--file=-', '--clean', '--if-exists', '--table=t', '--schema=s', '/tmp/w/dir'],
    ],
    [
      '/tmp/my dir/a.tar',
      sel({ dataOnly: true }),
      ['--file=-', '--data-only', '/tmp/my dir/a.tar'],
    ],
  ] as [string, RestoreSelection, string[]][])('%s with %j', (archive, selection, expected) => {
    expect(buildToSqlArgs(archive, selection)).toEqual(expected);
  });

  it('writes SQL to stdout and never connects', () => {
    const args = buildToSqlArgs('/a.dump', DEFAULT);
    expect(args[0]).toBe('--file=-');
    expect(args.at(-1)).toBe('/a.dump');
    expect(args.some((a) => /^(--dbname|-d$|--jobs|--host|--port|--username)/.test(a))).toBe(false);
  });
});

describe('buildArchiveReadArgs', () => {
  it.each([
    ['/tmp/a.dump', ['--file=-', '/tmp/a.dump']],
    [undefined, ['--file=-']],
    ['', ['--file=-']],
  ])('%j → %j', (archive, expected) => {
    expect(buildArchiveReadArgs(archive)).toEqual(expected);
  });
});

describe('buildParallelArgs', () => {
  it('puts jobs, --no-password, the selection, the conninfo and the archive in order', () => {
    const conn = target(
      `postgresql://restorer:${ENCODED}@db.example.com:6543/shop?sslmode=require`,
    );
    expect(buildParallelArgs('/tmp/w/app.dump', DEFAULT, 4, conn)).toEqual([
      '--jobs=4',
      '--no-password',
      '--no-owner',
      '--no-privileges',
      "--dbname=host='db.example.com' port='6543' dbname='shop' user='restorer' sslmode='require'",
      '/tmp/w/app.dump',
    ]);
  });

  it.each([2, 8, 64])('passes --jobs=%d', (jobs) => {
    const args = buildParallelArgs('/a', NOTHING, jobs, TARGETS[0][1]);
    expect(args).toContain(`--jobs=${jobs}`);
    expect(args.filter((a) => a.startsWith('--jobs'))).toHaveLength(1);
  });

  it.each(TARGETS)('uses the conninfo without the password (%s)', (_why, conn) => {
    const args = buildParallelArgs('/tmp/a.dump', DEFAULT, 2, conn);
    expect(args).toContain(`--dbname=${toConninfo(conn)}`);
    expect(args).toContain('--no-password');
    expectNoPassword(args, conn);
  });

  it('includes the whole selection', () => {
    const selection = sel({ noOwner: true, schemas: ['s'], tables: ['x.t'], dataOnly: true });
    const args = buildParallelArgs('/a', selection, 3, TARGETS[3][1]);
    for (const arg of buildSelectionArgs(selection)) expect(args).toContain(arg);
    expect(args.at(-1)).toBe('/a');
  });

  it('never asks for a single transaction or writes to a file', () => {
    const args = buildParallelArgs('/a', DEFAULT, 2, TARGETS[0][1]);
    expect(args).not.toContain('--single-transaction');
    expect(args.some((a) => a.startsWith('--file'))).toBe(false);
  });
});

describe('buildPsqlArgs', () => {
  const nullDevice = process.platform === 'win32' ? 'NUL' : '/dev/null';

  // No --single-transaction: psql would COMMIT at EOF of its input, also when the action died.
  // The restore sends BEGIN itself and COMMIT only after the whole input was applied.
  it('reads SQL from stdin, stopping at the first error, committing nothing itself', () => {
    const conn = target(`postgresql://restorer:${ENCODED}@db.example.com/shop`);
    expect(buildPsqlArgs(conn)).toEqual([
      '-X',
      '-q',
      '-v',
      'ON_ERROR_STOP=1',
      '--no-password',
      '-f',
      '-',
      '-o',
      nullDevice,
      "--dbname=host='db.example.com' port='5432' dbname='shop' user='restorer'",
    ]);
  });

  it.each(TARGETS)('never carries the password (%s)', (_why, conn) => {
    const args = buildPsqlArgs(conn);
    expect(args).toContain(`--dbname=${toConninfo(conn)}`);
    expect(args).toContain('--no-password');
    expect(args).not.toContain('--single-transaction');
    expect(args.join(' ')).toContain('-v ON_ERROR_STOP=1');
    expect(args.join(' ')).toContain('-f -');
    expectNoPassword(args, conn);
  });

  it('quotes conninfo values with spaces and quotes as one argument', () => {
    const conn = target(`postgresql://o%27brien:${ENCODED}@h/my%20db`);
    const dbname = buildPsqlArgs(conn).find((a) => a.startsWith('--dbname='));
    expect(dbname).toBe("--dbname=host='h' port='5432' dbname='my db' user='o\\'brien'");
  });
});
