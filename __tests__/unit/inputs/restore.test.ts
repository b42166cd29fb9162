import { resolve } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { generateX25519Identity, identityToRecipient } from 'age-encryption';
import { InputError } from '../../../src/errors.js';
import { labelFromDatabase } from '../../../src/catalog/naming.js';
import { parseBackupChoice, readRestoreSettings } from '../../../src/inputs/restore.js';
import { type RestoreSettings } from '../../../src/settings.js';
import {
  DEFAULTS,
  maskRecorder,
  rawReaderOf,
  readerOf,
  thrown,
} from '../../helpers/unit-support.js';

const CWD = '/work/project';
const PASSWORD = 'p@ss:w/rd#%? x';
const ENCODED = encodeURIComponent(PASSWORD);
const TARGET = `postgresql://restorer:${ENCODED}@db.example.com:6543/shop_restore?sslmode=require`;
const SOURCE_PASSWORD = 's0urce:secret@';
const SOURCE = `postgresql://app:${encodeURIComponent(SOURCE_PASSWORD)}@prod.example.com/shop`;
const SECRETS = [PASSWORD, ENCODED, TARGET, SOURCE_PASSWORD, SOURCE];

/** Reads restore settings over the action.yml defaults, with a target and a local storage. */
function restoreOf(given: Record<string, string>): {
  settings: RestoreSettings;
  masked: string[];
} {
  const { mask, masked } = maskRecorder();
  const read = readerOf({ 'target-database-url': TARGET, storage: './backups', ...given });
  return { settings: readRestoreSettings(read, mask, CWD), masked };
}

/** The error readRestoreSettings throws, and what it masked before throwing. */
function restoreError(given: Record<string, string>): { error: Error; masked: string[] } {
  const { mask, masked } = maskRecorder();
  // Blank values reach the readers only where action.yml's defaults are missing.
  const reader = Object.values(given).some((v) => v.trim() === '') ? rawReaderOf : readerOf;
  const read = reader({ 'target-database-url': TARGET, storage: './backups', ...given });
  return { error: thrown(() => readRestoreSettings(read, mask, CWD)), masked };
}

function expectSafe(error: Error): void {
  for (const secret of SECRETS) expect(error.message).not.toContain(secret);
}

describe('readRestoreSettings: defaults', () => {
  it('the action.yml defaults the restore reads are the documented ones', () => {
    expect(DEFAULTS).toMatchObject({
      'target-database-url': '',
      backup: 'latest',
      jobs: '',
      schemas: '',
      tables: '',
      'schema-only': 'false',
      'data-only': 'false',
      'no-owner': 'auto',
      'no-privileges': 'auto',
      'create-database': 'true',
      overwrite: 'false',
      confirm: '',
      'age-identity': '',
      'age-passphrase': '',
      'webhook-url': '',
      storage: 'artifact://',
      'pg-version': 'auto',
    });
  });

  it('reads the defaults into a complete settings object', () => {
    expect(restoreOf({}).settings).toEqual({
      target: {
        host: 'db.example.com',
        port: 6543,
        database: 'shop_restore',
        user: 'restorer',
        password: PASSWORD,
        params: { sslmode: 'require' },
      },
      storage: { kind: 'local', directory: resolve(CWD, 'backups') },
      label: undefined,
      choice: { kind: 'latest' },
      client: { pgVersion: 'auto', pgBinDir: undefined },
      jobs: undefined,
      schemas: [],
      tables: [],
      schemaOnly: false,
      dataOnly: false,
      noOwner: 'auto',
      noPrivileges: 'auto',
      createDatabase: true,
      overwrite: false,
      confirm: '',
      keys: { identities: [] },
      restoreGlobals: false,
    });
  });

  it('uses artifact:// when storage is not given', () => {
    const { mask } = maskRecorder();
    const read = readerOf({ 'target-database-url': TARGET });
    expect(readRestoreSettings(read, mask, CWD).storage).toEqual({ kind: 'artifact', name: '' });
  });
});

describe('readRestoreSettings: target-database-url', () => {
  it.each([
    ['missing', {}],
    ['empty', { 'target-database-url': '' }],
    ['whitespace only', { 'target-database-url': ' \n\t ' }],
  ])('is required (%s)', (_why, given) => {
    const { mask } = maskRecorder();
    const read = readerOf({ storage: './backups', ...given });
    const error = thrown(() => readRestoreSettings(read, mask, CWD));
    expect(error).toBeInstanceOf(InputError);
    expect(error.message).toContain("Input 'target-database-url'");
    expect(error.message).toContain('required');
  });

  it('is required even when database-url is given (restore never writes there)', () => {
    const { mask } = maskRecorder();
    const read = readerOf({ 'database-url': SOURCE, storage: './backups' });
    const error = thrown(() => readRestoreSettings(read, mask, CWD));
    expect(error.message).toContain("Input 'target-database-url'");
    expectSafe(error);
  });

  it('masks the whole URL and the decoded password', () => {
    const { masked } = restoreOf({});
    expect(masked).toEqual([TARGET, PASSWORD]);
  });

  it('masks a password given as a query parameter', () => {
    const url = 'postgresql://restorer@db/shop?password=qp%21secret&sslmode=verify-full';
    const { settings, masked } = restoreOf({ 'target-database-url': url });
    expect(masked).toEqual([url, 'qp!secret']);
    expect(settings.target.password).toBe('qp!secret');
    expect(settings.target.params).toEqual({ sslmode: 'verify-full' });
  });

  it('masks only the URL when it has no password', () => {
    const url = 'postgresql://restorer@db/shop';
    expect(restoreOf({ 'target-database-url': url }).masked).toEqual([url]);
  });

  it.each([
    ['no database', `postgresql://restorer:${ENCODED}@db.example.com/`],
    ['a foreign scheme', `mysql://restorer:${ENCODED}@db.example.com/shop`],
    ['a port out of range', `postgresql://restorer:${ENCODED}@db.example.com:70000/shop`],
    ['an unencoded #', 'postgresql://restorer:se#cret@db.example.com/shop'],
    ['not a URL', `restorer:${ENCODED}@db.example.com/shop`],
  ])('rejects a URL with %s, masked first and never echoed', (_why, url) => {
    const { error, masked } = restoreError({ 'target-database-url': url });
    expect(error).toBeInstanceOf(InputError);
    expect(error.message).toContain("Input 'target-database-url'");
    expect(masked[0]).toBe(url);
    expect(error.message).not.toContain(url);
    expect(error.message).not.toContain('se#cret');
    expectSafe(error);
  });
});

describe('readRestoreSettings: label', () => {
  it.each([
    ['label wins over database-url', { label: 'billing', 'database-url': SOURCE }, 'billing'],
    ['label alone', { label: 'my-app.v2_prod' }, 'my-app.v2_prod'],
    ["database-url's database", { 'database-url': SOURCE }, 'shop'],
    [
      "database-url's dbname parameter",
      { 'database-url': 'postgresql://app@prod/?dbname=orders' },
      'orders',
    ],
    ['neither: undefined (the only label present)', {}, undefined],
    ['empty label and empty database-url', { label: '', 'database-url': '' }, undefined],
  ])('%s', (_why, given, expected) => {
    expect(restoreOf(given).settings.label).toBe(expected);
  });

  it('masks database-url and its password when it names the label', () => {
    const { masked } = restoreOf({ 'database-url': SOURCE });
    expect(masked).toEqual(expect.arrayContaining([SOURCE, SOURCE_PASSWORD]));
    expect(masked).toEqual([TARGET, PASSWORD, SOURCE, SOURCE_PASSWORD]);
  });

  it('never uses database-url as the target', () => {
    const { settings } = restoreOf({ 'database-url': SOURCE });
    expect(settings.target.host).toBe('db.example.com');
    expect(settings.target.database).toBe('shop_restore');
  });

  it.each(['bad label', '-leading', '.hidden', 'a/b', 'x'.repeat(64), 'ümlaut'])(
    'rejects the label %j naming the input',
    (label) => {
      const { error } = restoreError({ label });
      expect(error).toBeInstanceOf(InputError);
      expect(error.message).toContain("Input 'label'");
      expectSafe(error);
    },
  );

  it.each([
    ['no database', `postgresql://app:${encodeURIComponent(SOURCE_PASSWORD)}@prod.example.com/`],
    ['a foreign scheme', `http://app:${encodeURIComponent(SOURCE_PASSWORD)}@prod/shop`],
  ])('rejects a database-url with %s naming database-url, masked first', (_why, url) => {
    const { error, masked } = restoreError({ 'database-url': url });
    expect(error).toBeInstanceOf(InputError);
    expect(error.message).toContain("Input 'database-url'");
    expect(masked).toContain(url);
    expect(error.message).not.toContain(url);
    expectSafe(error);
  });

  // Regression: backup derives its default label with labelFromDatabase (characters outside
  // [A-Za-z0-9._-] become '-', leading '-._' dropped, at most 63), but restore uses the raw
  // database name, so restore looks for a label that backup never writes.
  it.each([
    ['my app', 'my%20app'],
    ['_private', '_private'],
    ['shop:eu', 'shop%3Aeu'],
    ['d'.repeat(70), 'd'.repeat(70)],
  ])('uses the label backup derived from database %j (labelFromDatabase)', (database, encoded) => {
    const { settings } = restoreOf({ 'database-url': `postgresql://app@prod/${encoded}` });
    expect(settings.label).toBe(labelFromDatabase(database));
  });
});

describe('parseBackupChoice', () => {
  it.each([
    ['', { kind: 'latest' }],
    ['   ', { kind: 'latest' }],
    ['latest', { kind: 'latest' }],
    [' latest ', { kind: 'latest' }],
    ['app-20261122T020000Z', { kind: 'id', id: 'app-20261122T020000Z' }],
    ['app-20261122T020000Z-2', { kind: 'id', id: 'app-20261122T020000Z-2' }],
    ['app-20261122T020000Z-10', { kind: 'id', id: 'app-20261122T020000Z-10' }],
    ['my-app.v2_x-20261122T020000Z', { kind: 'id', id: 'my-app.v2_x-20261122T020000Z' }],
    ['2026-11-22-20261122T020000Z', { kind: 'id', id: '2026-11-22-20261122T020000Z' }],
    ['A-19991231T235959Z-999', { kind: 'id', id: 'A-19991231T235959Z-999' }],
  ])('reads %j', (raw, expected) => {
    expect(parseBackupChoice(raw)).toEqual(expected);
  });

  it.each([
    ['2026-11-22T02:00:00Z', '2026-11-22T02:00:00.000Z'],
    ['2026-11-22T02:00:00.123Z', '2026-11-22T02:00:00.123Z'],
    ['2026-11-22T02:00:00.5Z', '2026-11-22T02:00:00.500Z'],
    ['2026-11-22T02:00Z', '2026-11-22T02:00:00.000Z'],
    ['2026-11-22T02:00:00', '2026-11-22T02:00:00.000Z'], // no zone: UTC
    ['2026-11-22T02:00', '2026-11-22T02:00:00.000Z'],
    ['2026-11-22T02:00:00.250', '2026-11-22T02:00:00.250Z'],
    ['2026-11-22 02:00:00', '2026-11-22T02:00:00.000Z'],
    ['2026-11-22 02:00:00Z', '2026-11-22T02:00:00.000Z'],
    ['2026-11-22T02:00:00+01:00', '2026-11-22T01:00:00.000Z'],
    ['2026-11-22T02:00:00+0100', '2026-11-22T01:00:00.000Z'],
    ['2026-11-22T02:00:00-05:00', '2026-11-22T07:00:00.000Z'],
    ['2026-11-22T02:00-05:30', '2026-11-22T07:30:00.000Z'],
    ['2026-11-22T23:30:00.999+00:00', '2026-11-22T23:30:00.999Z'],
    ['2026-11-22', '2026-11-22T00:00:00.000Z'], // date only: midnight UTC
    [' 2026-11-22T02:00:00Z ', '2026-11-22T02:00:00.000Z'],
    ['2024-02-29T12:00:00Z', '2024-02-29T12:00:00.000Z'],
  ])('reads the time %j as %s', (raw, iso) => {
    const choice = parseBackupChoice(raw);
    expect(choice.kind).toBe('time');
    expect(choice.kind === 'time' && choice.at.toISOString()).toBe(iso);
  });

  it.each([
    'yesterday',
    'LATEST',
    'newest',
    'app',
    'app-2026-11-22',
    'app-20261122T020000',
    'app-20261122T0200Z',
    'app-20261122t020000z',
    'app-20261122T020000Z-',
    'app-20261122T020000Z-x',
    '-20261122T020000Z',
    '_app-20261122T020000Z',
    'app 20261122T020000Z',
    'app-20261122T020000Z.manifest.json',
    '2026-11-22T25:00:00Z',
    '2026-13-01',
    '2026-11-22T02Z',
    '2026-11-22T02:00:60Z',
    '2026-11-22T::Z',
    '2026/11/22',
    '22.11.2026',
    '2026-11-22T02:00:00 UTC',
    '2026-11-22T02:00:00+1',
    '1763776800',
  ])('rejects %j naming backup and the accepted forms', (raw) => {
    const error = thrown(() => parseBackupChoice(raw));
    expect(error).toBeInstanceOf(InputError);
    expect(error.message).toContain("Input 'backup'");
    expect(error.message).toContain(raw.trim());
  });

  it('lists the accepted forms for garbage', () => {
    const error = thrown(() => parseBackupChoice('yesterday'));
    expect(error.message).toContain('latest');
    expect(error.message).toContain('LABEL-YYYYMMDDTHHMMSSZ');
    expect(error.message).toContain('ISO-8601');
  });

  // Regression: a day that does not exist is rolled over by Date instead of being rejected, so
  // backup: 2026-02-30 silently restores the newest backup at or before 2026-03-02.
  it.each(['2026-02-30', '2026-02-29T12:00:00Z', '2026-04-31T00:00:00Z'])(
    'rejects the impossible date %j',
    (raw) => {
      const error = thrown(() => parseBackupChoice(raw));
      expect(error).toBeInstanceOf(InputError);
    },
  );

  it('reads backup through readRestoreSettings', () => {
    expect(restoreOf({ backup: 'app-20261122T020000Z-3' }).settings.choice).toEqual({
      kind: 'id',
      id: 'app-20261122T020000Z-3',
    });
    const { error } = restoreError({ backup: 'garbage' });
    expect(error.message).toContain("Input 'backup'");
    expectSafe(error);
  });
});

describe('readRestoreSettings: jobs, lists, booleans, client', () => {
  it.each([
    ['', undefined],
    ['1', undefined],
    ['2', 2],
    ['8', 8],
    ['64', 64],
  ])('jobs %j is %s', (jobs, expected) => {
    expect(restoreOf({ jobs }).settings.jobs).toBe(expected);
  });

  it.each(['0', '65', '-1', '1.5', 'four', '2 jobs', '1e1'])(
    'rejects jobs %j naming the input',
    (jobs) => {
      const { error } = restoreError({ jobs });
      expect(error).toBeInstanceOf(InputError);
      expect(error.message).toContain("Input 'jobs'");
      expect(error.message).toContain('1 to 64');
      expectSafe(error);
    },
  );

  it.each([
    ['public', ['public']],
    ['a, b', ['a', 'b']],
    ['a\nb\n\n c ', ['a', 'b', 'c']],
    [' , ,', []],
  ])('schemas %j is read as a list', (schemas, expected) => {
    expect(restoreOf({ schemas }).settings.schemas).toEqual(expected);
  });

  it('tables keep their schema qualification', () => {
    expect(restoreOf({ tables: 'public.orders, items\nsales.lines' }).settings.tables).toEqual([
      'public.orders',
      'items',
      'sales.lines',
    ]);
  });

  it.each([
    ['schema-only', 'schemaOnly'],
    ['data-only', 'dataOnly'],
    ['no-owner', 'noOwner'],
    ['no-privileges', 'noPrivileges'],
    ['create-database', 'createDatabase'],
  ] as const)('reads %s as a boolean', (input, field) => {
    for (const [raw, value] of [
      ['true', true],
      ['True', true],
      ['TRUE', true],
      ['false', false],
      ['False', false],
      ['FALSE', false],
    ] as const) {
      expect(restoreOf({ [input]: raw }).settings[field]).toBe(value);
    }
  });

  it.each(['no-owner', 'no-privileges'])('reads auto for %s, the default', (input) => {
    const field = input === 'no-owner' ? 'noOwner' : 'noPrivileges';
    for (const raw of ['auto', 'Auto', 'AUTO'])
      expect(restoreOf({ [input]: raw }).settings[field]).toBe('auto');
  });

  it.each([
    'schema-only',
    'data-only',
    'no-owner',
    'no-privileges',
    'create-database',
    'overwrite',
  ])('rejects a non-boolean %s naming the input', (input) => {
    for (const raw of ['yes', '1', 'on', 'tru']) {
      const { error } = restoreError({ [input]: raw });
      expect(error).toBeInstanceOf(InputError);
      expect(error.message).toContain(`Input '${input}'`);
      expectSafe(error);
    }
  });

  it.each([
    [{}, { pgVersion: 'auto', pgBinDir: undefined }],
    [{ 'pg-version': '17' }, { pgVersion: 17, pgBinDir: undefined }],
    [{ 'pg-version': '10' }, { pgVersion: 10, pgBinDir: undefined }],
    [
      { 'pg-bin-dir': '/usr/lib/postgresql/18/bin' },
      { pgVersion: 'auto', pgBinDir: '/usr/lib/postgresql/18/bin' },
    ],
  ])('reads the client request %j', (given, expected) => {
    expect(restoreOf(given).settings.client).toEqual(expected);
  });

  it.each(['9', '17.2', 'latest', '', 'v17'])('rejects pg-version %j naming the input', (raw) => {
    const { error } = restoreError({ 'pg-version': raw });
    expect(error).toBeInstanceOf(InputError);
    expect(error.message).toContain("Input 'pg-version'");
  });

  // Regression: backup rejects majors above 99 (readBackupSettings), restore accepts them and only
  // fails later when it cannot find or install "PostgreSQL 100".
  it('rejects pg-version 100 as backup does', () => {
    const { error } = restoreError({ 'pg-version': '100' });
    expect(error.message).toContain("Input 'pg-version'");
  });
});

describe('readRestoreSettings: storage', () => {
  it.each([
    ['./first\n./second', { kind: 'local', directory: resolve(CWD, 'first') }],
    ['\n  ./first  \n./second\n', { kind: 'local', directory: resolve(CWD, 'first') }],
    ['s3://bucket/pre/fix\n./local', { kind: 's3', bucket: 'bucket', prefix: 'pre/fix/' }],
    ['artifact://nightly\ns3://bucket/', { kind: 'artifact', name: 'nightly' }],
    ['file:///srv/backups/\n./x', { kind: 'local', directory: '/srv/backups' }],
    ['/abs/dir', { kind: 'local', directory: '/abs/dir' }],
  ])('uses the first line of %j', (storage, expected) => {
    expect(restoreOf({ storage }).settings.storage).toEqual(expected);
  });

  it.each([' \n ', 'gs://bucket/x\n./ok', 's3://B/x'])(
    'rejects storage %j naming the input',
    (storage) => {
      const { error } = restoreError({ storage });
      expect(error).toBeInstanceOf(InputError);
      expect(error.message).toContain("Input 'storage'");
      expectSafe(error);
    },
  );
});

describe('readRestoreSettings: combinations', () => {
  it('accepts overwrite when confirm is exactly the target database', () => {
    const { settings } = restoreOf({ overwrite: 'true', confirm: 'shop_restore' });
    expect(settings.overwrite).toBe(true);
    expect(settings.confirm).toBe('shop_restore');
  });

  it('accepts overwrite with schema-only, and jobs 1', () => {
    const { settings } = restoreOf({
      overwrite: 'true',
      confirm: 'shop_restore',
      'schema-only': 'true',
      jobs: '1',
    });
    expect(settings).toMatchObject({ overwrite: true, schemaOnly: true, jobs: undefined });
  });

  it('compares confirm with a database named by the dbname parameter', () => {
    const url = 'postgresql://restorer@db/?dbname=Shop%20EU';
    const { settings } = restoreOf({
      'target-database-url': url,
      overwrite: 'true',
      confirm: 'Shop EU',
    });
    expect(settings.target.database).toBe('Shop EU');
  });

  it('ignores confirm without overwrite', () => {
    expect(restoreOf({ confirm: 'anything' }).settings.overwrite).toBe(false);
  });

  it.each([
    ['no confirm', 'confirm', { overwrite: 'true' }],
    ['confirm of another database', 'confirm', { overwrite: 'true', confirm: 'shop' }],
    ['confirm in another case', 'confirm', { overwrite: 'true', confirm: 'SHOP_RESTORE' }],
    ['confirm with a suffix', 'confirm', { overwrite: 'true', confirm: 'shop_restore2' }],
    [
      'overwrite with data-only',
      'data-only',
      { overwrite: 'true', confirm: 'shop_restore', 'data-only': 'true' },
    ],
    ['overwrite with jobs', 'jobs', { overwrite: 'true', confirm: 'shop_restore', jobs: '4' }],
    ['schema-only with data-only', 'data-only', { 'schema-only': 'true', 'data-only': 'true' }],
  ])('rejects %s naming %s', (_why, input, given) => {
    const { error } = restoreError(given);
    expect(error).toBeInstanceOf(InputError);
    expect(error.message).toContain(`Input '${input}'`);
    expectSafe(error);
  });

  it('names the target database (not its password) when confirm is wrong', () => {
    const { error } = restoreError({ overwrite: 'true', confirm: PASSWORD });
    expect(error.message).toContain("'shop_restore'");
    expect(error.message).toContain("Input 'confirm'");
    expectSafe(error);
  });
});

describe('readRestoreSettings: age decryption keys', () => {
  it('reads age-identity (a whole key file) and masks the input and every key line', async () => {
    const identity = await generateX25519Identity();
    const file = `# created: 2026-11-22T02:00:00Z\n# public key: ${await identityToRecipient(identity)}\n${identity}\n`;
    const { settings, masked } = restoreOf({ 'age-identity': file });
    expect(settings.keys).toEqual({ identities: [identity] });
    expect(masked).toEqual(expect.arrayContaining([file.trim(), identity]));
  });

  it('reads and masks age-passphrase', () => {
    const { settings, masked } = restoreOf({ 'age-passphrase': 'correct horse battery staple' });
    expect(settings.keys).toEqual({ identities: [], passphrase: 'correct horse battery staple' });
    expect(masked).toContain('correct horse battery staple');
  });

  it('refuses a malformed age-identity without echoing it, masking both age secrets first', () => {
    const { error, masked } = restoreError({
      'age-identity': 'ID-SECRET',
      'age-passphrase': 'PHRASE',
    });
    expect(error).toBeInstanceOf(InputError);
    expect(error.message).toContain("Input 'age-identity'");
    expect(error.message).not.toContain('ID-SECRET');
    expect(masked).toEqual(expect.arrayContaining(['ID-SECRET', 'PHRASE']));
    expectSafe(error);
  });

  it('leaves webhook-url to the run (read once for every command), out of the settings', () => {
    const value = 'https://hooks.slack.com/services/T000/B000/XXXX';
    expect(JSON.stringify(restoreOf({ 'webhook-url': value }).settings)).not.toContain(value);
  });
});
