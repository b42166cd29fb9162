import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { InputError } from '../../../src/errors.js';
import {
  type Connection,
  libpqEnv,
  parseDatabaseUrl,
  toConninfo,
  writePgpass,
} from '../../../src/postgres/connection.js';
import { thrown } from '../../helpers/unit-support.js';

const INPUT = 'database-url';

function conn(overrides: Partial<Connection> = {}): Connection {
  return { host: 'db', port: 5432, database: 'app', user: 'u', params: {}, ...overrides };
}

describe('parseDatabaseUrl', () => {
  it.each([
    ['@', 'p@ss'],
    [':', 'p:ss'],
    ['/', 'p/ss'],
    ['#', 'p#ss'],
    ['%', '100%'],
    ['?', 'why?'],
    ['space', 'two words'],
    ['all at once', ' @:/#%? mixed+&=; '],
    ['non-ASCII', 'pässwörd✓'],
    ['backslash and quotes', `a\\b'c"d`],
  ])('decodes a percent-encoded password with %s', (_what, password) => {
    const url = `postgresql://app:${encodeURIComponent(password)}@db.example.com:5433/shop`;
    expect(parseDatabaseUrl(INPUT, url)).toEqual({
      host: 'db.example.com',
      port: 5433,
      database: 'shop',
      user: 'app',
      password,
      params: {},
    });
  });

  it.each([
    ['postgres://u:p@h/d', { host: 'h', port: 5432, database: 'd', user: 'u', password: 'p' }],
    ['postgresql://h/d', { host: 'h', port: 5432, database: 'd', user: '', password: undefined }],
    ['postgresql://u@h:1/d', { host: 'h', port: 1, database: 'd', user: 'u', password: undefined }],
    [
      'postgresql://u:@h/d',
      { host: 'h', port: 5432, database: 'd', user: 'u', password: undefined },
    ],
    [
      '  postgresql://u:p@h/d  ',
      { host: 'h', port: 5432, database: 'd', user: 'u', password: 'p' },
    ],
    [
      'postgresql://u:p@[::1]:5433/d',
      { host: '::1', port: 5433, database: 'd', user: 'u', password: 'p' },
    ],
    [
      'postgresql://[2001:db8::7]/d',
      { host: '2001:db8::7', port: 5432, database: 'd', user: '', password: undefined },
    ],
    [
      'postgresql://u:p@10.0.0.5:65535/d',
      { host: '10.0.0.5', port: 65535, database: 'd', user: 'u', password: 'p' },
    ],
    [
      'postgresql://us%40er:p@h/my%20db',
      { host: 'h', port: 5432, database: 'my db', user: 'us@er', password: 'p' },
    ],
    [
      'postgresql://%2Fvar%2Frun%2Fpostgresql/d',
      { host: '/var/run/postgresql', port: 5432, database: 'd', user: '', password: undefined },
    ],
  ])('parses %s', (url, expected) => {
    expect(parseDatabaseUrl(INPUT, url)).toEqual({ params: {}, ...expected });
  });

  it('moves host, port, dbname, user and password query parameters into their fields', () => {
    const url =
      'postgresql:///?host=/var/run/postgresql&port=6000&dbname=app&user=me&password=s%20cret&sslmode=disable';
    expect(parseDatabaseUrl(INPUT, url)).toEqual({
      host: '/var/run/postgresql',
      port: 6000,
      database: 'app',
      user: 'me',
      password: 's cret',
      params: { sslmode: 'disable' },
    });
  });

  it('lets the URL parts win over the query parameters except host', () => {
    const url = 'postgresql://a:pw@h:7000/db1?dbname=db2&user=b&port=8000&host=/tmp';
    const c = parseDatabaseUrl(INPUT, url);
    expect(c).toMatchObject({
      host: '/tmp',
      port: 7000,
      database: 'db1',
      user: 'a',
      password: 'pw',
    });
    expect(c.params).toEqual({});
  });

  it('keeps other libpq parameters, decoded', () => {
    const url =
      'postgresql://u:p@h/d?sslmode=verify-full&sslrootcert=%2Fetc%2Fca.pem&options=-c%20search_path%3Dapp&application_name=nightly&connect_timeout=10';
    expect(parseDatabaseUrl(INPUT, url).params).toEqual({
      sslmode: 'verify-full',
      sslrootcert: '/etc/ca.pem',
      options: '-c search_path=app',
      application_name: 'nightly',
      connect_timeout: '10',
    });
  });

  it('defaults the port to 5432', () => {
    expect(parseDatabaseUrl(INPUT, 'postgresql://u:p@h/d').port).toBe(5432);
  });

  it.each([
    ['no path', 'postgresql://u:secretpw@h'],
    ['empty path', 'postgresql://u:secretpw@h/'],
    ['only params', 'postgresql://u:secretpw@h/?sslmode=require'],
  ])('rejects a URL with no database (%s)', (_why, url) => {
    const error = thrown(() => parseDatabaseUrl(INPUT, url));
    expect(error).toBeInstanceOf(InputError);
    expect(error.message).toContain("Input 'database-url'");
    expect(error.message).toContain('/DATABASE_NAME');
    expect(error.message).not.toContain('secretpw');
  });

  it.each([
    ['mysql', 'mysql://u:secretpw@h/d', 'mysql'],
    ['http', 'http://u:secretpw@h/d', 'http'],
    ['jdbc', 'jdbc:postgresql://h/d?password=secretpw', 'jdbc'],
  ])('rejects the %s scheme naming it', (_name, url, scheme) => {
    const error = thrown(() => parseDatabaseUrl(INPUT, url));
    expect(error).toBeInstanceOf(InputError);
    expect(error.message).toContain(scheme);
    expect(error.message).toContain('postgresql://');
    expect(error.message).not.toContain('secretpw');
  });

  it.each([
    ['unencoded #', 'postgresql://u:se#cretpw@h/d', 'se#cretpw'],
    ['no scheme', 'u:secretpw@h/d', 'secretpw'],
    ['plain words', 'not a url secretpw', 'secretpw'],
    ['empty', '', undefined],
    ['port out of range', 'postgresql://u:secretpw@h:70000/d', 'secretpw'],
    ['port not a number', 'postgresql://u:secretpw@h:abc/d', 'secretpw'],
    ['two hosts', 'postgresql://u:secretpw@h1:5432,h2:5433/d', 'secretpw'],
  ])('rejects a malformed URL (%s) without echoing the password', (_why, url, secret) => {
    const error = thrown(() => parseDatabaseUrl(INPUT, url));
    expect(error).toBeInstanceOf(InputError);
    expect(error.message).toContain("Input 'database-url'");
    expect(error.message).toContain('percent-encoded');
    if (secret) expect(error.message).not.toContain(secret);
    expect(error.message).not.toContain(url.trim() || '\u0000');
  });

  it.each([
    ['query port 0', 'postgresql://u:secretpw@h/d?port=0', "port '0'"],
    ['URL port 0', 'postgresql://u:secretpw@h:0/d', "port '0'"],
    ['query port text', 'postgresql://u:secretpw@h/d?port=x', "port 'x'"],
    ['query port too big', 'postgresql://u:secretpw@h/d?port=65536', "port '65536'"],
  ])('rejects a bad port (%s)', (_why, url, problem) => {
    const error = thrown(() => parseDatabaseUrl(INPUT, url));
    expect(error).toBeInstanceOf(InputError);
    expect(error.message).toContain(problem);
    expect(error.message).not.toContain('secretpw');
  });

  it('rejects a bad percent-escape in the password without echoing it', () => {
    const error = thrown(() => parseDatabaseUrl(INPUT, 'postgresql://u:secret%zzpw@h/d'));
    expect(error).toBeInstanceOf(InputError);
    expect(error.message).toContain('bad percent-escape');
    expect(error.message).not.toContain('secret');
  });

  it('names the input it was given', () => {
    const error = thrown(() => parseDatabaseUrl('target-database-url', 'postgresql://h/'));
    expect(error.message).toContain("Input 'target-database-url'");
  });
});

describe('toConninfo', () => {
  it('writes every field in single quotes and leaves the password out', () => {
    const c = conn({ password: 'never-here', params: { sslmode: 'require' } });
    const info = toConninfo(c);
    expect(info).toBe("host='db' port='5432' dbname='app' user='u' sslmode='require'");
    expect(info).not.toContain('never-here');
  });

  it.each([
    ["o'brien", "'o\\'brien'"],
    ['back\\slash', "'back\\\\slash'"],
    ["both\\'", "'both\\\\\\''"],
    ['with space', "'with space'"],
    ['', undefined],
  ])('quotes the database %j', (database, quoted) => {
    const info = toConninfo(conn({ database }));
    if (quoted === undefined) expect(info).not.toContain('dbname=');
    else expect(info).toContain(`dbname=${quoted}`);
  });

  it("leaves a passfile out: the password is taken from it once, the clients read the action's", () => {
    const info = toConninfo(conn({ params: { passfile: '/home/u/.pgpass', sslmode: 'require' } }));
    expect(info).toBe("host='db' port='5432' dbname='app' user='u' sslmode='require'");
  });

  it('skips empty host and user so libpq chooses', () => {
    expect(toConninfo(conn({ host: '', user: '' }))).toBe("port='5432' dbname='app'");
  });

  it('uses the database argument instead of the connection database', () => {
    expect(toConninfo(conn(), 'postgres')).toContain("dbname='postgres'");
    expect(toConninfo(conn(), 'postgres')).not.toContain("dbname='app'");
  });

  it('round-trips through a libpq-style parser', () => {
    const c = conn({
      host: '/var/run/postgresql',
      user: "we'ird\\user",
      database: 'd b',
      params: { options: "-c search_path='x'" },
    });
    expect(parseConninfo(toConninfo(c))).toEqual({
      host: '/var/run/postgresql',
      port: '5432',
      dbname: 'd b',
      user: "we'ird\\user",
      options: "-c search_path='x'",
    });
  });
});

/** libpq's keyword='value' grammar: inside quotes, backslash escapes the next character. */
function parseConninfo(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  const re = /(\w+)='((?:[^'\\]|\\.)*)'/g;
  for (const m of text.matchAll(re)) out[m[1] ?? ''] = (m[2] ?? '').replace(/\\(.)/g, '$1');
  return out;
}

describe('writePgpass', () => {
  let dir = '';
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pgpass-unit-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it.each([
    ['plain', 'secret', '*:*:*:*:secret\n'],
    ['colon', 'a:b', '*:*:*:*:a\\:b\n'],
    ['backslash', 'a\\b', '*:*:*:*:a\\\\b\n'],
    ['backslash before colon', 'a\\:b', '*:*:*:*:a\\\\\\:b\n'],
    ['other specials', '@/#%? \'"', '*:*:*:*:@/#%? \'"\n'],
  ])('writes a 0600 file escaping a password with %s', async (name, password, expected) => {
    const sub = await mkdtemp(join(dir, `${name.replace(/\W/g, '')}-`));
    const path = await writePgpass(sub, conn({ password }));
    expect(path).toBe(join(sub, 'pgpass'));
    expect(await readFile(path ?? '', 'utf8')).toBe(expected);
    if (process.platform !== 'win32') expect((await stat(path ?? '')).mode & 0o777).toBe(0o600);
  });

  it('writes nothing without a password', async () => {
    const sub = await mkdtemp(join(dir, 'none-'));
    expect(await writePgpass(sub, conn())).toBeUndefined();
    await expect(stat(join(sub, 'pgpass'))).rejects.toThrow();
  });

  it('writes an empty password as an entry', async () => {
    const sub = await mkdtemp(join(dir, 'empty-'));
    const path = await writePgpass(sub, conn({ password: '' }));
    expect(await readFile(path ?? '', 'utf8')).toBe('*:*:*:*:\n');
  });
});

describe('libpqEnv', () => {
  it('removes PGPASSWORD and any inherited PGPASSFILE, and sets ours', () => {
    const base = { PATH: '/bin', PGPASSWORD: 'leak', PGPASSFILE: '/home/me/.pgpass', PGHOST: 'h' };
    const env = libpqEnv(base, '/tmp/x/pgpass');
    expect(env).toEqual({
      PATH: '/bin',
      PGHOST: 'h',
      PGPASSFILE: '/tmp/x/pgpass',
      PGAPPNAME: 'postgres-backup-action',
    });
    expect(base.PGPASSWORD).toBe('leak');
  });

  it('passes no INPUT_* value, AWS or GitHub credential, or token to client programs', () => {
    const env = libpqEnv(
      {
        PATH: '/bin',
        HOME: '/root',
        LC_ALL: 'C',
        PGSSLROOTCERT: '/ca.pem',
        'INPUT_DATABASE-URL': 'postgresql://u:secret@h/db',
        'INPUT_AGE-PASSPHRASE': 'pass',
        AWS_SECRET_ACCESS_KEY: 'aws-secret',
        AWS_SESSION_TOKEN: 'aws-token',
        GITHUB_TOKEN: 'ghs_x',
        ACTIONS_RUNTIME_TOKEN: 'jwt',
      },
      '/tmp/x/pgpass',
    );
    expect(Object.keys(env).sort()).toEqual(
      ['HOME', 'LC_ALL', 'PATH', 'PGAPPNAME', 'PGPASSFILE', 'PGSSLROOTCERT'].sort(),
    );
  });

  it('sets no PGPASSFILE without a password file', () => {
    const env = libpqEnv({ PGPASSWORD: 'leak', PGPASSFILE: '/x' }, undefined);
    expect(env).not.toHaveProperty('PGPASSWORD');
    expect(env).not.toHaveProperty('PGPASSFILE');
    expect(env.PGAPPNAME).toBe('postgres-backup-action');
  });
});
