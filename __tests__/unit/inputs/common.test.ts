import { resolve } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { generateX25519Identity, identityToRecipient } from 'age-encryption';
import { InputError } from '../../../src/errors.js';
import { INPUTS, parseBool, parseList } from '../../../src/inputs/read.js';
import { parseCompression, parseLabels, readBackupSettings } from '../../../src/inputs/backup.js';
import { parseStorageLine, readCommand, readStorage } from '../../../src/inputs/common.js';
import type { DumpFormat } from '../../../src/settings.js';
import { maskRecorder, rawReaderOf, readerOf, thrown } from '../../helpers/unit-support.js';

const CWD = '/work/project';
const PASSWORD = 'p@ss:w/rd#%? x';
const ENCODED = encodeURIComponent(PASSWORD);
const URL_WITH_PASSWORD = `postgresql://app:${ENCODED}@db.example.com:6543/shop?sslmode=require`;

/** A fresh age1… public key. */
async function newRecipient(): Promise<string> {
  return identityToRecipient(await generateX25519Identity());
}

function settingsOf(given: Record<string, string>) {
  const { mask, masked } = maskRecorder();
  const settings = readBackupSettings(
    readerOf({ 'database-url': URL_WITH_PASSWORD, storage: './backups', ...given }),
    mask,
    CWD,
  );
  return { settings, masked };
}

function backupError(given: Record<string, string>): Error {
  const { mask } = maskRecorder();
  // Blank values reach the readers only where action.yml's defaults are missing.
  const reader = Object.values(given).some((v) => v.trim() === '') ? rawReaderOf : readerOf;
  return thrown(() =>
    readBackupSettings(reader({ 'database-url': URL_WITH_PASSWORD, ...given }), mask, CWD),
  );
}

function expectSafe(error: Error): void {
  expect(error.message).not.toContain(PASSWORD);
  expect(error.message).not.toContain(ENCODED);
  expect(error.message).not.toContain(URL_WITH_PASSWORD);
}

describe('readCommand', () => {
  it.each([
    ['backup', 'backup'],
    ['restore', 'restore'],
    ['verify', 'verify'],
    ['prune', 'prune'],
    ['check', 'check'],
    ['RESTORE', 'restore'],
    ['Verify', 'verify'],
  ])('reads %s as %s', (raw, expected) => {
    expect(readCommand(readerOf({ command: raw }))).toBe(expected);
  });

  it('defaults to backup through action.yml', () => {
    expect(readCommand(readerOf({}))).toBe('backup');
  });

  it.each(['', 'dump', 'backups', 'back up'])(
    'rejects %j naming the input and the choices',
    (raw) => {
      const error = thrown(() => readCommand(rawReaderOf({ command: raw })));
      expect(error).toBeInstanceOf(InputError);
      expect(error.message).toContain("Input 'command'");
      expect(error.message).toContain('backup, restore, verify, prune, check');
    },
  );
});

describe('readBackupSettings', () => {
  it('reads the action.yml defaults into a complete settings object', () => {
    const { settings } = settingsOf({});
    expect(settings).toEqual({
      anomaly: { mode: 'warn', rowDrop: 50 },
      connection: {
        host: 'db.example.com',
        port: 6543,
        database: 'shop',
        user: 'app',
        password: PASSWORD,
        params: { sslmode: 'require' },
      },
      storage: [{ kind: 'local', directory: resolve(CWD, 'backups') }],
      label: 'shop',
      client: { pgVersion: 'auto', pgBinDir: undefined },
      format: 'custom',
      compression: { method: 'auto' },
      jobs: undefined,
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
      lockWaitTimeout: undefined,
      verify: 'archive',
      labels: {},
      globals: false,
    });
  });

  it('masks the whole URL and the decoded password', () => {
    const { masked } = settingsOf({});
    expect(masked).toContain(URL_WITH_PASSWORD);
    expect(masked).toContain(PASSWORD);
  });

  it('masks a password given as a query parameter', () => {
    const url = 'postgresql://app@db/shop?password=qp%21secret';
    const { masked, settings } = settingsOf({ 'database-url': url });
    expect(masked).toEqual(expect.arrayContaining([url, 'qp!secret']));
    expect(settings.connection.password).toBe('qp!secret');
    expect(settings.connection.params).toEqual({});
  });

  it('masks the URL even when it then fails to parse', () => {
    const bad = 'postgresql://app:pw@db:99999/shop';
    const { mask, masked } = maskRecorder();
    const error = thrown(() => readBackupSettings(readerOf({ 'database-url': bad }), mask, CWD));
    expect(error).toBeInstanceOf(InputError);
    expect(masked).toEqual([bad]);
  });

  it('masks nothing but the URL when it has no password', () => {
    const url = 'postgresql://app@db/shop';
    const { masked } = settingsOf({ 'database-url': url });
    expect(masked).toEqual([url]);
  });

  it('reads no encryption by default', () => {
    expect(settingsOf({}).settings.encryption).toBeUndefined();
  });

  it('masks age-passphrase and reads it as passphrase encryption', () => {
    const { settings, masked } = settingsOf({ 'age-passphrase': 'correct horse' });
    expect(masked).toContain('correct horse');
    expect(settings.encryption).toEqual({ recipients: [], passphrase: 'correct horse' });
  });

  it('reads age-recipients one per line into the encryption settings', async () => {
    const [a, b] = await Promise.all([newRecipient(), newRecipient()]);
    const { settings } = settingsOf({ 'age-recipients': `${a}\n# break-glass\n${b}\n` });
    expect(settings.encryption).toEqual({ recipients: [a, b] });
  });

  it('masks age-passphrase before refusing it together with age-recipients', async () => {
    const { mask, masked } = maskRecorder();
    const recipient = await newRecipient();
    const error = thrown(() =>
      readBackupSettings(
        readerOf({
          'database-url': URL_WITH_PASSWORD,
          'age-passphrase': 'correct horse',
          'age-recipients': recipient,
        }),
        mask,
        CWD,
      ),
    );
    expect(error).toBeInstanceOf(InputError);
    expect(error.message).toContain("Input 'age-passphrase'");
    expect(masked).toContain('correct horse');
    expect(error.message).not.toContain('correct horse');
    expectSafe(error);
  });

  it('refuses an invalid age-recipients line naming the input', () => {
    const error = backupError({ 'age-recipients': 'age1notakey' });
    expect(error).toBeInstanceOf(InputError);
    expect(error.message).toContain("Input 'age-recipients'");
  });

  it('requires database-url', () => {
    const error = thrown(() => readBackupSettings(readerOf({}), maskRecorder().mask, CWD));
    expect(error).toBeInstanceOf(InputError);
    expect(error.message).toContain("Input 'database-url'");
    expect(error.message).toContain('required');
  });

  it('treats a whitespace-only database-url as missing', () => {
    const error = thrown(() =>
      readBackupSettings(readerOf({ 'database-url': '  \n ' }), maskRecorder().mask, CWD),
    );
    expect(error.message).toContain("Input 'database-url'");
  });

  it.each([
    ['format', { format: 'zip' }, "Input 'format'"],
    ['format', { format: '' }, "Input 'format'"],
    ['verify', { verify: 'full' }, "Input 'verify'"],
    ['compression', { compression: 'brotli' }, "Input 'compression'"],
    ['pg-version', { 'pg-version': '9' }, "Input 'pg-version'"],
    ['pg-version', { 'pg-version': '17.2' }, "Input 'pg-version'"],
    ['pg-version', { 'pg-version': 'latest' }, "Input 'pg-version'"],
    ['pg-version', { 'pg-version': '100' }, "Input 'pg-version'"],
    ['jobs', { format: 'directory', jobs: '0' }, "Input 'jobs'"],
    ['jobs', { format: 'directory', jobs: '65' }, "Input 'jobs'"],
    ['jobs', { format: 'directory', jobs: 'four' }, "Input 'jobs'"],
    ['schema-only', { 'schema-only': 'yes' }, "Input 'schema-only'"],
    ['data-only', { 'data-only': '1' }, "Input 'data-only'"],
    ['lock-wait-timeout', { 'lock-wait-timeout': 'soon' }, "Input 'lock-wait-timeout'"],
    ['lock-wait-timeout', { 'lock-wait-timeout': '1mo' }, "Input 'lock-wait-timeout'"],
    ['lock-wait-timeout', { 'lock-wait-timeout': '30d' }, "Input 'lock-wait-timeout'"],
    ['lock-wait-timeout', { 'lock-wait-timeout': '5M' }, "Input 'lock-wait-timeout'"],
    ['labels', { labels: 'novalue' }, "Input 'labels'"],
    ['label', { label: 'bad label' }, "Input 'label'"],
    ['storage', { storage: 'gs://bucket/x' }, "Input 'storage'"],
    ['storage', { storage: ' \n ' }, "Input 'storage'"],
    ['extra-args', { 'extra-args': '--file=x.dump' }, "Input 'extra-args'"],
    ['extra-args', { 'extra-args': '"unclosed' }, "Input 'extra-args'"],
  ])('names %s in the error for a bad value', (_name, given, expected) => {
    const error = backupError(given);
    expect(error).toBeInstanceOf(InputError);
    expect(error.message).toContain(expected);
    expectSafe(error);
  });

  it.each([
    ['missing database', `postgresql://app:${ENCODED}@db.example.com/`],
    ['bad scheme', `mysql://app:${ENCODED}@db.example.com/shop`],
    ['bad port', `postgresql://app:${ENCODED}@db.example.com:70000/shop`],
    ['unencoded #', `postgresql://app:se#cret@db.example.com/shop`],
  ])('reports a bad URL (%s) without the password', (_why, url) => {
    const error = thrown(() =>
      readBackupSettings(readerOf({ 'database-url': url }), maskRecorder().mask, CWD),
    );
    expect(error).toBeInstanceOf(InputError);
    expect(error.message).toContain("Input 'database-url'");
    expect(error.message).not.toContain(PASSWORD);
    expect(error.message).not.toContain(ENCODED);
    expect(error.message).not.toContain('se#cret');
  });

  it('rejects schema-only together with data-only', () => {
    const error = backupError({ 'schema-only': 'true', 'data-only': 'true' });
    expect(error).toBeInstanceOf(InputError);
    expect(error.message).toContain("Input 'data-only'");
    expect(error.message).toContain('schema-only and data-only');
  });

  it.each([
    ['schema-only', { 'schema-only': 'true' }, true, false],
    ['data-only', { 'data-only': 'TRUE' }, false, true],
    ['neither', { 'schema-only': 'False', 'data-only': 'false' }, false, false],
  ])('reads %s', (_name, given, schemaOnly, dataOnly) => {
    const { settings } = settingsOf(given);
    expect(settings.schemaOnly).toBe(schemaOnly);
    expect(settings.dataOnly).toBe(dataOnly);
  });

  it.each([
    ['custom', '2'],
    ['plain', '4'],
    ['tar', '64'],
  ])('rejects jobs > 1 with format %s', (format, jobs) => {
    const error = backupError({ format, jobs });
    expect(error).toBeInstanceOf(InputError);
    expect(error.message).toContain("Input 'jobs'");
    expect(error.message).toContain('directory');
    expect(error.message).toContain(format);
  });

  it.each([
    ['directory', '8', 8],
    ['directory', '1', 1],
    ['directory', '', undefined],
    ['custom', '1', undefined],
    ['plain', '', undefined],
  ])('reads format %s with jobs %j as %j', (format, jobs, expected) => {
    expect(settingsOf({ format, jobs }).settings.jobs).toBe(expected);
  });

  it.each([
    ['shop', 'postgresql://u:p@h/shop'],
    ['my-shop-db', 'postgresql://u:p@h/my%20shop%20db'],
    ['app.v2_main', 'postgresql://u:p@h/app.v2_main'],
    ['db', 'postgresql://u:p@h/%C3%A9%C3%A9'],
    ['t-', 'postgresql://u:p@h/%C3%A9t%C3%A9'],
    ['tenant-42', 'postgresql://u:p@h/__tenant%2F42'],
  ])('derives the label %s from the database of %s', (label, url) => {
    expect(settingsOf({ 'database-url': url }).settings.label).toBe(label);
  });

  it.each(['nightly', 'prod.eu-1', 'A_b-9'])('takes a valid label %s as given', (label) => {
    expect(settingsOf({ label }).settings.label).toBe(label);
  });

  it.each(['-lead', '.hidden', 'has space', 'a/b', 'x'.repeat(101), 'ünï'])(
    'rejects the label %j',
    (label) => {
      const error = backupError({ label });
      expect(error).toBeInstanceOf(InputError);
      expect(error.message).toContain("Input 'label'");
    },
  );

  it('leaves webhook-url to the run (read once for every command), out of the settings', () => {
    const value = 'https://hooks.example.com/x';
    expect(JSON.stringify(settingsOf({ 'webhook-url': value }).settings)).not.toContain(value);
  });

  it('reads filters, lists, labels, lock-wait-timeout and extra args', () => {
    const { settings } = settingsOf({
      schemas: 'public, sales',
      'exclude-schemas': 'tmp\naudit',
      tables: 'public.orders',
      'exclude-tables': 'public.log_*',
      'exclude-table-data': 'public.events,\npublic.sessions,',
      'lock-wait-timeout': '5 min',
      labels: 'env=prod\nteam = data',
      'extra-args': '--no-comments  -O\n--section=data',
      'pg-version': '17',
      'pg-bin-dir': '/opt/pg/17/bin',
      format: 'Directory',
      compression: 'ZSTD:5',
      verify: 'NONE',
      storage: 's3://bucket/nightly\nartifact://db\nfile:///srv/backups/',
    });
    expect(settings.filters).toEqual({
      schemas: ['public', 'sales'],
      excludeSchemas: ['tmp', 'audit'],
      tables: ['public.orders'],
      excludeTables: ['public.log_*'],
      excludeTableData: ['public.events', 'public.sessions'],
    });
    expect(settings.lockWaitTimeout).toBe('5min');
    expect(settings.labels).toEqual({ env: 'prod', team: 'data' });
    expect(settings.extraArgs).toEqual(['--no-comments', '-O', '--section=data']);
    expect(settings.client).toEqual({ pgVersion: 17, pgBinDir: '/opt/pg/17/bin' });
    expect(settings.format).toBe('directory');
    expect(settings.compression).toEqual({ method: 'zstd', level: 5 });
    expect(settings.verify).toBe('none');
    expect(settings.storage).toEqual([
      { kind: 's3', bucket: 'bucket', prefix: 'nightly/' },
      { kind: 'artifact', name: 'db' },
      { kind: 'local', directory: '/srv/backups' },
    ]);
  });

  it.each([
    ['30s', '30s'],
    ['250', '250'],
    ['100ms', '100ms'],
    ['1h', '1h'],
    ['2d', '2d'],
    ['5m', '5min'],
    ['90m', '90min'],
    ['1d12h', '36h'],
    ['1m30s', '90s'],
    ['24d', '24d'],
    ['', undefined],
  ])('reads lock-wait-timeout %j as %j', (raw, expected) => {
    expect(settingsOf({ 'lock-wait-timeout': raw }).settings.lockWaitTimeout).toBe(expected);
  });

  it('allows --inserts only with verify: none', () => {
    expect(backupError({ 'extra-args': '--inserts' }).message).toContain('verify: none');
    expect(settingsOf({ 'extra-args': '--inserts', verify: 'none' }).settings.extraArgs).toEqual([
      '--inserts',
    ]);
  });

  it('rejects tar with compression through the compression check', () => {
    const error = backupError({ format: 'tar', compression: 'gzip' });
    expect(error.message).toContain("Input 'compression'");
  });
});

describe('readStorage', () => {
  it('reads one location per line, skipping blank lines and CRLF', () => {
    const read = readerOf({ storage: 'a\r\n\r\n  s3://my-bucket/p  \r\nartifact://' });
    expect(readStorage(read, CWD)).toEqual([
      { kind: 'local', directory: resolve(CWD, 'a') },
      { kind: 's3', bucket: 'my-bucket', prefix: 'p/' },
      { kind: 'artifact', name: '' },
    ]);
  });

  it('defaults to artifact:// through action.yml', () => {
    expect(readStorage(readerOf({}), CWD)).toEqual([{ kind: 'artifact', name: '' }]);
  });

  it('rejects an empty value naming the input', () => {
    const error = thrown(() => readStorage(rawReaderOf({ storage: '' }), CWD));
    expect(error).toBeInstanceOf(InputError);
    expect(error.message).toContain("Input 'storage'");
  });
});

describe('parseStorageLine', () => {
  it.each([
    ['backups', { kind: 'local', directory: '/work/project/backups' }],
    ['./backups/', { kind: 'local', directory: '/work/project/backups' }],
    ['../elsewhere/x', { kind: 'local', directory: '/work/elsewhere/x' }],
    ['/abs/dir', { kind: 'local', directory: '/abs/dir' }],
    ['/abs/dir/', { kind: 'local', directory: '/abs/dir' }],
    ['file:///srv/backups', { kind: 'local', directory: '/srv/backups' }],
    ['file:///srv/backups/', { kind: 'local', directory: '/srv/backups' }],
    ['file:///srv/my%20backups', { kind: 'local', directory: '/srv/my backups' }],
    ['file:///srv/a/../b', { kind: 'local', directory: '/srv/b' }],
    ['s3://bucket', { kind: 's3', bucket: 'bucket', prefix: '' }],
    ['s3://bucket/', { kind: 's3', bucket: 'bucket', prefix: '' }],
    ['s3://bucket/nightly', { kind: 's3', bucket: 'bucket', prefix: 'nightly/' }],
    ['s3://bucket/nightly/', { kind: 's3', bucket: 'bucket', prefix: 'nightly/' }],
    ['s3://my.bucket-1/a/b/c', { kind: 's3', bucket: 'my.bucket-1', prefix: 'a/b/c/' }],
    ['s3://abc/a/b/c/', { kind: 's3', bucket: 'abc', prefix: 'a/b/c/' }],
    ['artifact://', { kind: 'artifact', name: '' }],
    ['artifact://nightly-db', { kind: 'artifact', name: 'nightly-db' }],
    ['artifact://nightly-db/', { kind: 'artifact', name: 'nightly-db' }],
    ['artifact://nightly-db//', { kind: 'artifact', name: 'nightly-db' }],
  ])('parses %s', (line, expected) => {
    expect(parseStorageLine(line, CWD)).toEqual(expected);
  });

  it('resolves relative paths against the given cwd, not the process cwd', () => {
    expect(parseStorageLine('out', '/some/where')).toEqual({
      kind: 'local',
      directory: '/some/where/out',
    });
  });

  it.each([
    ['s3://', 'no valid bucket'],
    ['s3:///prefix', 'no valid bucket'],
    ['s3://ab', 'no valid bucket'],
    ['s3://Bucket/x', 'no valid bucket'],
    ['s3://bucket_name/x', 'no valid bucket'],
    ['s3://-bucket/x', 'no valid bucket'],
    ['file://relative/path', 'file:///absolute/path'],
    ['gs://bucket/x', 'not a supported location'],
    ['https://example.com/backups', 'not a supported location'],
    ['azure://container', 'not a supported location'],
  ])('rejects %s', (line, problem) => {
    const error = thrown(() => parseStorageLine(line, CWD));
    expect(error).toBeInstanceOf(InputError);
    expect(error.message).toContain("Input 'storage'");
    expect(error.message).toContain(line);
    expect(error.message).toContain(problem);
  });

  // Regression: decodeURIComponent throws a bare URIError ("URI malformed") that names no input.
  it('rejects a file:// URL with a bad percent-escape as an InputError naming storage', () => {
    const error = thrown(() => parseStorageLine('file:///srv/100%', CWD));
    expect(error).toBeInstanceOf(InputError);
    expect(error.message).toContain("Input 'storage'");
  });
});

describe('parseCompression', () => {
  const formats: DumpFormat[] = ['custom', 'plain', 'directory', 'tar'];

  it.each([
    ['auto', { method: 'auto' }],
    ['none', { method: 'none' }],
    ['gzip', { method: 'gzip' }],
    ['gzip:1', { method: 'gzip', level: 1 }],
    ['gzip:9', { method: 'gzip', level: 9 }],
    ['GZIP:6', { method: 'gzip', level: 6 }],
    ['gzip:01', { method: 'gzip', level: 1 }],
    ['lz4', { method: 'lz4' }],
    ['lz4:1', { method: 'lz4', level: 1 }],
    ['lz4:12', { method: 'lz4', level: 12 }],
    ['zstd', { method: 'zstd' }],
    ['zstd:1', { method: 'zstd', level: 1 }],
    ['zstd:22', { method: 'zstd', level: 22 }],
    ['Zstd:3', { method: 'zstd', level: 3 }],
  ])('reads %s for custom and directory', (raw, expected) => {
    expect(parseCompression(raw, 'custom')).toEqual(expected);
    expect(parseCompression(raw, 'directory')).toEqual(expected);
  });

  it.each(['auto', 'none', 'gzip', 'gzip:9', 'zstd', 'zstd:19'])('reads %s for plain', (raw) => {
    expect(parseCompression(raw, 'plain').method).toBe(raw.split(':')[0]);
  });

  it.each(['auto', 'none', 'AUTO'])('allows %s for tar', (raw) => {
    expect(parseCompression(raw, 'tar')).toEqual({ method: raw.toLowerCase() });
  });

  it.each([
    ['gzip:0', 'gzip', '1-9'],
    ['gzip:10', 'gzip', '1-9'],
    ['lz4:0', 'lz4', '1-12'],
    ['lz4:13', 'lz4', '1-12'],
    ['zstd:0', 'zstd', '1-22'],
    ['zstd:23', 'zstd', '1-22'],
  ])('rejects the out-of-range level %s', (raw, method, range) => {
    for (const format of formats.filter((f) => f !== 'tar')) {
      const error = thrown(() => parseCompression(raw, format));
      expect(error).toBeInstanceOf(InputError);
      expect(error.message).toContain("Input 'compression'");
      expect(error.message).toContain(`for ${method} (${range})`);
    }
  });

  it.each([
    '',
    'brotli',
    'gzip:',
    'gzip:-1',
    'gzip:x',
    'auto:3',
    'none:0',
    'zstd:3:1',
    ' gzip',
    'gzip 6',
  ])('rejects the malformed value %j, listing the accepted forms', (raw) => {
    const error = thrown(() => parseCompression(raw, 'custom'));
    expect(error).toBeInstanceOf(InputError);
    expect(error.message).toContain("Input 'compression'");
    expect(error.message).toContain('auto, none, gzip[:1-9], lz4[:1-12] or zstd[:1-22]');
  });

  it.each(['gzip', 'gzip:6', 'lz4', 'zstd', 'zstd:3'])('rejects %s with format tar', (raw) => {
    const error = thrown(() => parseCompression(raw, 'tar'));
    expect(error).toBeInstanceOf(InputError);
    expect(error.message).toContain("Input 'compression'");
    expect(error.message).toContain('format tar cannot be compressed');
  });

  it.each(['lz4', 'lz4:4', 'LZ4'])('rejects %s with format plain', (raw) => {
    const error = thrown(() => parseCompression(raw, 'plain'));
    expect(error).toBeInstanceOf(InputError);
    expect(error.message).toContain('lz4 is not available for format plain');
  });
});

describe('parseList', () => {
  it.each([
    ['', []],
    ['a', ['a']],
    ['a,b', ['a', 'b']],
    [' a , b ,, c ', ['a', 'b', 'c']],
    ['a\nb\n\nc\n', ['a', 'b', 'c']],
    ['a,\nb', ['a', 'b']],
    ['public.t*\n"Mixed Case".x', ['public.t*', '"Mixed Case".x']],
  ])('splits %j into %j', (raw, expected) => {
    expect(parseList(raw)).toEqual(expected);
  });
});

describe('parseBool', () => {
  it.each([
    ['true', true],
    ['True', true],
    ['TRUE', true],
    ['false', false],
    ['False', false],
    ['FALSE', false],
  ])('reads %s as %s', (raw, expected) => {
    expect(parseBool('dry-run', raw)).toBe(expected);
  });

  it.each(['', 'yes', 'no', '1', '0', 'tRUE', 'on'])('rejects %j naming the input', (raw) => {
    const error = thrown(() => parseBool('overwrite', raw));
    expect(error).toBeInstanceOf(InputError);
    expect(error.message).toContain("Input 'overwrite'");
    expect(error.message).toContain('true or false');
  });
});

describe('parseLabels', () => {
  it.each([
    ['', {}],
    ['env=prod', { env: 'prod' }],
    ['env=prod\nteam=data', { env: 'prod', team: 'data' }],
    [' env = prod \r\n\r\n team=data ', { env: 'prod', team: 'data' }],
    ['url=https://x/?a=b', { url: 'https://x/?a=b' }],
    ['empty=', { empty: '' }],
    ['k=1\nk=2', { k: '2' }],
  ])('reads %j', (raw, expected) => {
    expect(parseLabels(raw)).toEqual(expected);
  });

  it.each(['novalue', '=value', 'a=b\njunk'])('rejects %j naming labels', (raw) => {
    const error = thrown(() => parseLabels(raw));
    expect(error).toBeInstanceOf(InputError);
    expect(error.message).toContain(`Input '${INPUTS.labels}'`);
    expect(error.message).toContain('key=value');
  });
});
