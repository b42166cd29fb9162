import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ActionError } from '../../../src/errors.js';
import type { Connection } from '../../../src/postgres/connection.js';
import { explainConnectError, sslAttempts } from '../../../src/postgres/server.js';
import { thrown } from '../../helpers/unit-support.js';

const PASSWORD = 'Sup3r:Secret@Pw';

function conn(overrides: Partial<Connection> = {}): Connection {
  return {
    host: 'db.example.com',
    port: 6543,
    database: 'shop',
    user: 'app',
    password: PASSWORD,
    params: {},
    ...overrides,
  };
}

function driverError(code: string, message: string): Error {
  return Object.assign(new Error(message), { code });
}

describe('sslAttempts', () => {
  it.each([
    ['disable', [false]],
    ['allow', [false, { rejectUnauthorized: false }]],
    ['prefer', [{ rejectUnauthorized: false }, false]],
    ['require', [{ rejectUnauthorized: false }]],
  ])('tries %s as %j', (mode, expected) => {
    expect(sslAttempts(mode)).toEqual(expected);
  });

  it('verifies the chain but not the host name for verify-ca', () => {
    const [only, ...rest] = sslAttempts('verify-ca');
    expect(rest).toEqual([]);
    expect(only).not.toBe(false);
    const tls = only as Exclude<typeof only, false>;
    expect(tls.rejectUnauthorized).not.toBe(false);
    expect(typeof tls.checkServerIdentity).toBe('function');
    expect(tls.checkServerIdentity?.('other.host', {} as never)).toBeUndefined();
  });

  it('verifies the chain and the host name for verify-full', () => {
    const attempts = sslAttempts('verify-full');
    expect(attempts).toHaveLength(1);
    const tls = attempts[0] as Exclude<(typeof attempts)[0], false>;
    expect(tls).toEqual({ ca: undefined, cert: undefined, key: undefined });
    expect(tls.rejectUnauthorized).not.toBe(false);
    expect(tls.checkServerIdentity).toBeUndefined();
  });

  describe('with certificate files', () => {
    let dir = '';
    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), 'ssl-unit-'));
      await writeFile(join(dir, 'root.crt'), 'CA PEM');
      await writeFile(join(dir, 'client.crt'), 'CERT PEM');
      await writeFile(join(dir, 'client.key'), 'KEY PEM');
    });
    afterAll(async () => {
      await rm(dir, { recursive: true, force: true });
    });

    it.each(['verify-ca', 'verify-full'])(
      'reads sslrootcert, sslcert and sslkey for %s',
      (mode) => {
        const params = {
          sslrootcert: join(dir, 'root.crt'),
          sslcert: join(dir, 'client.crt'),
          sslkey: join(dir, 'client.key'),
        };
        const tls = sslAttempts(mode, params)[0] as { ca?: Buffer; cert?: Buffer; key?: Buffer };
        expect(tls.ca?.toString()).toBe('CA PEM');
        expect(tls.cert?.toString()).toBe('CERT PEM');
        expect(tls.key?.toString()).toBe('KEY PEM');
      },
    );

    it('uses the system CAs for sslrootcert=system', () => {
      const tls = sslAttempts('verify-full', { sslrootcert: 'system' })[0] as { ca?: Buffer };
      expect(tls.ca).toBeUndefined();
    });

    it('fails when a certificate file is missing', () => {
      expect(() => sslAttempts('verify-full', { sslrootcert: join(dir, 'missing.crt') })).toThrow(
        /ENOENT/,
      );
    });
  });

  it.each(['', 'required', 'REQUIRE', 'on', 'true'])('rejects the unknown sslmode %j', (mode) => {
    const error = thrown(() => sslAttempts(mode));
    expect(error).toBeInstanceOf(ActionError);
    expect(error.message).toContain(`'${mode}'`);
    expect(error.message).toContain('disable, allow, prefer, require, verify-ca or verify-full');
  });
});

describe('explainConnectError', () => {
  it.each([
    [
      '28P01',
      'password authentication failed for user "app"',
      ["as user 'app'", 'db.example.com:6543', 'database-url', 'password', 'percent-encode'],
    ],
    [
      '3D000',
      'database "shop" does not exist',
      ["'shop'", 'db.example.com:6543', 'database-url', 'database name'],
    ],
    [
      'ECONNREFUSED',
      'connect ECONNREFUSED 10.0.0.1:6543',
      ['db.example.com:6543', 'database-url', 'refused', 'running'],
    ],
    [
      'ENOTFOUND',
      'getaddrinfo ENOTFOUND db.example.com',
      ['db.example.com:6543', 'database-url', 'host name'],
    ],
    [
      '28000',
      'no pg_hba.conf entry for host "1.2.3.4", user "app", database "shop", no encryption',
      ["as user 'app'", 'db.example.com:6543', 'database-url', 'sslmode=require', 'pg_hba.conf'],
    ],
    ['ETIMEDOUT', 'connect ETIMEDOUT', ['db.example.com:6543', 'firewall']],
    ['EHOSTUNREACH', 'connect EHOSTUNREACH', ['db.example.com:6543', 'unreachable']],
    ['EAI_AGAIN', 'getaddrinfo EAI_AGAIN db.example.com', ['db.example.com:6543', 'DNS']],
    ['53300', 'sorry, too many clients already', ['db.example.com:6543', 'max_connections']],
    ['57P03', 'the database system is starting up', ['db.example.com:6543', 'starting up']],
  ])('explains %s', (code, message, parts) => {
    const cause = driverError(code, message);
    const error = explainConnectError(cause, conn(), 'database-url');
    expect(error).toBeInstanceOf(ActionError);
    for (const part of parts) expect(error.message).toContain(part);
    expect(error.message).toContain(`(${message})`);
    expect(error.message).not.toContain(PASSWORD);
    expect(error.message).not.toMatch(/\{(where|user|db|what)\}/);
    expect(error.cause).toBe(cause);
  });

  it('names the input it was given', () => {
    const error = explainConnectError(
      driverError('3D000', 'database "x" does not exist'),
      conn(),
      'target-database-url',
    );
    expect(error.message).toContain('target-database-url');
  });

  it('says localhost when the URL leaves the host to libpq, and omits an empty user', () => {
    const error = explainConnectError(
      driverError('28P01', 'password authentication failed'),
      conn({ host: '', user: '', port: 5432 }),
      'database-url',
    );
    expect(error.message).toContain('localhost:5432');
    expect(error.message).not.toContain('as user');
  });

  it.each([
    [
      'a timeout message',
      new Error('Connection terminated due to connection timeout'),
      'Timed out',
    ],
    ['an SSL message', new Error('The server does not support SSL connections'), 'TLS'],
    [
      'a certificate message',
      new Error('self-signed certificate in certificate chain'),
      'sslrootcert',
    ],
    [
      'anything else',
      new Error('Connection terminated unexpectedly'),
      'Could not connect to db.example.com:6543',
    ],
    ['a non-Error', 'weird', 'Could not connect'],
  ])('falls back on the message for %s', (_what, cause, expected) => {
    const error = explainConnectError(cause, conn(), 'database-url');
    expect(error.message).toContain(expected);
    expect(error.message).not.toContain(PASSWORD);
  });

  it('never includes the password, whatever the error', () => {
    for (const code of ['28P01', '3D000', 'ECONNREFUSED', 'ENOTFOUND', '28000', 'XX000', '']) {
      const error = explainConnectError(driverError(code, 'failed'), conn(), 'database-url');
      expect(error.message).not.toContain(PASSWORD);
      expect(error.message).not.toContain('Secret');
    }
  });

  // Regression: the hint is filled in with String.replace(string, string), which expands `$$`, `$&`,
  // `$'` and `` $` `` in the replacement, so a database or user name with a '$' (legal in
  // PostgreSQL identifiers) is misreported.
  it.each([
    ['database', conn({ database: 'pay$$ments' }), '3D000', "'pay$$ments'"],
    ['user', conn({ user: "x$'y" }), '28P01', "as user 'x$'y'"],
  ])('reports a %s name with $ as it is', (_what, c, code, expected) => {
    const error = explainConnectError(driverError(code, 'failed'), c, 'database-url');
    expect(error.message).toContain(expected);
  });
});
