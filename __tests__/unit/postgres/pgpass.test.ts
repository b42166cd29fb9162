// A URL without a password takes it as libpq does: PGPASSWORD, then the password file's first
// matching line (`*`, `\` escapes, comments), from `passfile`, PGPASSFILE or ~/.pgpass.
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { parseDatabaseUrl } from '../../../src/postgres/connection.js';
import {
  libpqPassword,
  matchPasswordLine,
  passfilePath,
  passKey,
} from '../../../src/postgres/pgpass.js';

const conn = (url: string) => parseDatabaseUrl('database-url', url);

describe('matchPasswordLine', () => {
  const key = ['db.example.com', '5432', 'app', 'alice'];
  it.each([
    ['db.example.com:5432:app:alice:s3cret', 's3cret'],
    ['*:*:*:*:any', 'any'],
    ['# db.example.com:5432:app:alice:comment\n*:5432:app:alice:second', 'second'],
    ['other:5432:app:alice:no\ndb.example.com:*:app:*:yes\n*:*:*:*:later', 'yes'],
    ['db.example.com:5432:app:alice:a\\:b\\\\c', 'a:b\\c'],
    ['db.example.com:5432:app:alice:pw:extra', 'pw'],
    ['db.example.com:5432:app:alice:crlf\r\n', 'crlf'],
  ])('%j gives %j', (text, password) => {
    expect(matchPasswordLine(text, key)).toBe(password);
  });

  it.each([
    'db.example.com:5433:app:alice:wrong-port',
    'db.example.com:5432:app:bob:wrong-user',
    'db.example.com:5432:app:alice',
    '\\*:5432:app:alice:literal-star-host',
    '',
  ])('%j matches nothing', (text) => {
    expect(matchPasswordLine(text, key)).toBeUndefined();
  });

  it('an escaped colon is part of a field', () => {
    expect(matchPasswordLine('h\\:x:1:d:u:p', ['h:x', '1', 'd', 'u'])).toBe('p');
  });
});

describe('passKey and passfilePath', () => {
  it('an empty host or the default socket directory is localhost; the user defaults to PGUSER', () => {
    expect(passKey(conn('postgresql:///app?host=/var/run/postgresql'), { PGUSER: 'u' })).toEqual([
      'localhost',
      '5432',
      'app',
      'u',
    ]);
    expect(passKey(conn('postgresql://bob@h:6000/app'), { PGUSER: 'u' })).toEqual([
      'h',
      '6000',
      'app',
      'bob',
    ]);
  });

  it('passfile in the URL, else PGPASSFILE, else ~/.pgpass', () => {
    expect(passfilePath(conn('postgresql://h/app?passfile=/a'), { PGPASSFILE: '/b' })).toBe('/a');
    expect(passfilePath(conn('postgresql://h/app'), { PGPASSFILE: '/b' })).toBe('/b');
    expect(passfilePath(conn('postgresql://h/app'), { HOME: '/home/x' })).toBe('/home/x/.pgpass');
  });
});

describe('libpqPassword', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pgpass-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('PGPASSWORD comes first, then the file', async () => {
    const file = join(dir, 'first');
    await writeFile(file, 'h:5432:app:u:from-file\n', { mode: 0o600 });
    const c = conn('postgresql://u@h/app');
    expect(libpqPassword(c, { env: { PGPASSWORD: 'from-env', PGPASSFILE: file } })).toBe(
      'from-env',
    );
    expect(libpqPassword(c, { env: { PGPASSFILE: file } })).toBe('from-file');
    expect(libpqPassword(c, { env: { HOME: dir } })).toBeUndefined();
  });

  it('a file group or others can read is ignored with a warning, as libpq does', async () => {
    const file = join(dir, 'open');
    await writeFile(file, '*:*:*:*:pw\n');
    await chmod(file, 0o644);
    const warnings: string[] = [];
    const found = libpqPassword(conn('postgresql://u@h/app'), {
      env: { PGPASSFILE: file },
      warn: (m) => warnings.push(m),
    });
    expect(found).toBeUndefined();
    expect(warnings).toEqual([expect.stringContaining('chmod 0600')]);
  });
});
