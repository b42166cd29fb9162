// Properties of the shared readers: command, storage lines, client, jobs and connection URLs.
import { isAbsolute, resolve } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import {
  parseStorageLine,
  readClientRequest,
  readCommand,
  readDatabaseUrl,
  readJobCount,
  readStorage,
} from '../../../src/inputs/common.js';
import type { StorageLocation } from '../../../src/settings.js';
import { readerOf } from '../../../scripts/lib/repo.js';
import {
  attempt,
  expectStrictInputError,
  databaseUrl,
  hostileString,
  encoded,
  readerKind,
  type ReaderKind,
  readerOf as readerFor,
  recordingMask,
  secretParts,
  RUNS,
  valueFor,
} from '../../helpers/hostile-values.js';

const CWD = '/work/project';
const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

function expectLocation(location: StorageLocation): void {
  if (location.kind === 'local') {
    expect(isAbsolute(location.directory)).toBe(true);
    expect(resolve(location.directory)).toBe(location.directory);
  } else if (location.kind === 's3') {
    expect(location.bucket).toMatch(BUCKET);
    expect(location.prefix === '' || location.prefix.endsWith('/')).toBe(true);
  } else {
    expect(location.kind).toBe('artifact');
    expect(location.name.endsWith('/')).toBe(false);
  }
}

describe('readCommand', () => {
  it('is a command or an InputError naming command', () => {
    const commands = ['backup', 'restore', 'verify', 'prune', 'check'];
    fc.assert(
      fc.property(readerKind, valueFor(commands), (kind, raw) => {
        const result = attempt(() => readCommand(readerFor(kind, { command: raw })));
        if (result.ok) expect(commands).toContain(result.value);
        else expectStrictInputError(result.error, { inputs: ['command'], values: [raw] });
      }),
      RUNS,
    );
  });
});

/** A storage line: a scheme (or none) and a hostile rest. */
const storageLine = fc
  .tuple(
    fc.constantFrom(
      '',
      's3://',
      'S3://',
      'file://',
      'file:///',
      'artifact://',
      'gs://',
      'C:\\',
      '/',
    ),
    fc.oneof(hostileString, valueFor(['my-bucket/prefix', 'backups', 'bucket', 'a.b-c/x//y'])),
  )
  .map(([scheme, rest]) => `${scheme}${rest}`);

describe('parseStorageLine', () => {
  const cwd = fc.oneof(
    fc.constant(CWD),
    fc.constant('/'),
    fc.string().map((s) => `/${s}`),
  );

  it('gives an absolute directory, a valid bucket and prefix, or an artifact name', () => {
    fc.assert(
      fc.property(storageLine, cwd, (line, dir) => {
        const result = attempt(() => parseStorageLine(line, dir));
        if (result.ok) expectLocation(result.value);
        else expectStrictInputError(result.error, { inputs: ['storage'], values: [line] });
      }),
      RUNS,
    );
  });

  it('reads any line without a scheme as a local directory resolved from the workspace', () => {
    const plain = hostileString.filter((s) => !/^[a-z][a-z0-9+.-]*:\/\//i.test(s));
    fc.assert(
      fc.property(plain, (line) => {
        expect(parseStorageLine(line, CWD)).toEqual({
          kind: 'local',
          directory: resolve(CWD, line),
        });
      }),
      RUNS,
    );
  });

  it('reads every s3:// line with a valid bucket, whatever its prefix', () => {
    const bucket = fc.stringMatching(/^[a-z0-9][a-z0-9.-]{1,20}[a-z0-9]$/);
    fc.assert(
      fc.property(bucket, fc.option(hostileString, { nil: undefined }), (name, rest) => {
        const line = rest === undefined ? `s3://${name}` : `s3://${name}/${rest}`;
        const location = parseStorageLine(line, CWD);
        expect(location).toMatchObject({ kind: 's3', bucket: name });
        expectLocation(location);
      }),
      RUNS,
    );
  });
});

describe('readStorage', () => {
  it('gives at least one well-formed location, or an InputError naming storage', () => {
    const text = fc
      .array(fc.oneof(storageLine, hostileString), { maxLength: 5 })
      .map((lines) => lines.join('\n'));
    fc.assert(
      fc.property(readerKind, text, (kind, raw) => {
        const result = attempt(() => readStorage(readerFor(kind, { storage: raw }), CWD));
        if (!result.ok) {
          expectStrictInputError(result.error, { inputs: ['storage'], values: [raw] });
          return;
        }
        expect(result.value.length).toBeGreaterThan(0);
        result.value.forEach(expectLocation);
      }),
      RUNS,
    );
  });
});

describe('readClientRequest', () => {
  it('is auto or a major from 10 to 99, or an InputError naming pg-version', () => {
    const version = valueFor(['auto', '17', '10', '99', '9', '100', '017', '1e1', '0x11']);
    fc.assert(
      fc.property(readerKind, version, hostileString, (kind, raw, binDir) => {
        const read = readerFor(kind, { 'pg-version': raw, 'pg-bin-dir': binDir });
        const result = attempt(() => readClientRequest(read));
        if (!result.ok) {
          expectStrictInputError(result.error, { inputs: ['pg-version'], values: [raw] });
          return;
        }
        const { pgVersion, pgBinDir } = result.value;
        if (pgVersion !== 'auto') {
          expect(Number.isInteger(pgVersion) && pgVersion >= 10 && pgVersion <= 99).toBe(true);
        }
        expect(pgBinDir).toBe(read('pg-bin-dir') || undefined);
      }),
      RUNS,
    );
  });
});

describe('readJobCount', () => {
  it('is undefined, a whole number from 1 to 64, or an InputError naming jobs', () => {
    const jobs = valueFor(['1', '4', '64', '65', '0', '08', '-1', '1.0', '2e1', ' 3 ']);
    fc.assert(
      fc.property(readerKind, jobs, (kind, raw) => {
        const read = readerFor(kind, { jobs: raw });
        const result = attempt(() => readJobCount(read));
        if (!result.ok) {
          expectStrictInputError(result.error, { inputs: ['jobs'], values: [raw] });
        } else if (result.value === undefined) {
          expect(read('jobs')).toBe('');
        } else {
          expect(Number.isInteger(result.value)).toBe(true);
          expect(result.value).toBeGreaterThanOrEqual(1);
          expect(result.value).toBeLessThanOrEqual(64);
        }
      }),
      RUNS,
    );
  });

  it('reads every count from 1 to 64', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 64 }), (n) => {
        expect(readJobCount(readerOf({ jobs: String(n) }))).toBe(n);
      }),
    );
  });
});

/** What readDatabaseUrl does with `raw`: its outcome, the value read and what was masked. */
function readUrl(kind: ReaderKind, raw: string) {
  const { mask, masked } = recordingMask();
  const read = readerFor(kind, { 'database-url': raw });
  const result = attempt(() => readDatabaseUrl(read, mask, 'database-url'));
  return { result, value: read('database-url'), masked };
}

const urlCase = fc.oneof(
  databaseUrl,
  hostileString.map((url) => ({ url, secret: '' })),
);

describe('readDatabaseUrl', () => {
  it('is a connection or an InputError naming the input, masked first, never showing the password', () => {
    fc.assert(
      fc.property(readerKind, urlCase, (kind, { url, secret }) => {
        const { result, value, masked } = readUrl(kind, url);
        if (value) expect(masked[0]).toBe(value);
        if (!result.ok) {
          const secrets = secret ? [secret, encoded(secret)] : [];
          expectStrictInputError(result.error, { inputs: ['database-url'], secrets });
          return;
        }
        const connection = result.value;
        if (connection === undefined) return expect(value).toBe('');
        expect(connection.database).not.toBe('');
        expect(Number.isInteger(connection.port)).toBe(true);
        expect(connection.port >= 1 && connection.port <= 65535).toBe(true);
        for (const key of ['password', 'host', 'dbname', 'user', 'port'])
          expect(Object.keys(connection.params)).not.toContain(key);
        if (connection.password) expect(masked).toContain(connection.password);
      }),
      RUNS,
    );
  });

  // BUG (kept failing on purpose): with a raw '?' in the password, or a URL without '//', the
  // password's tail becomes the query and a bad `port` is echoed in the error, unmasked (only the
  // whole URL was masked). SPEC: "Never prints a password". The examples are fast-check's finds.
  it('never shows any part of the password in an error', () => {
    fc.assert(
      fc.property(readerKind, databaseUrl, (kind, { url, secret }) => {
        const { result } = readUrl(kind, url);
        if (!result.ok) {
          expectStrictInputError(result.error, {
            inputs: ['database-url'],
            secrets: secretParts(secret),
          });
        }
      }),
      {
        ...RUNS,
        examples: [
          [
            'defaults',
            {
              url: 'postgresql:app:Pw7Kq?port=Zr4Vm@db.example.com/shop',
              secret: 'Pw7Kq?port=Zr4Vm',
            },
          ],
          [
            'defaults',
            {
              url: 'postgresql://app:80?port=Zr4Vm&dbname=x@db.example.com/shop',
              secret: '80?port=Zr4Vm&dbname=x',
            },
          ],
        ],
      },
    );
  });
});
