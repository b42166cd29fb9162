// The inputs of issue 15 through the real reader over action.yml's defaults: globals, databases,
// exclude-databases (backup) and restore-globals (restore), and every refusal naming its input.
import { describe, expect, it } from '@jest/globals';
import { readBackupSettings } from '../../../src/inputs/backup.js';
import { readRestoreSettings } from '../../../src/inputs/restore.js';
import { InputError } from '../../../src/errors.js';
import { forDatabase } from '../../../src/phases/select-databases.js';
import { readerOf } from '../../../scripts/lib/repo.js';

const URL = 'postgresql://app:pw@db.example/postgres';
const backup = (inputs: Record<string, string>) =>
  readBackupSettings(
    readerOf({ 'database-url': URL, storage: '/b', ...inputs }),
    () => undefined,
    '/',
  );

describe('backup: globals, databases, exclude-databases', () => {
  it('defaults to the one database of database-url, without globals', () => {
    const s = backup({});
    expect(s.globals).toBe(false);
    expect(s.databases).toBeUndefined();
  });

  it.each([
    ['all', '', { kind: 'all', exclude: [] }],
    [
      'ALL',
      'rdsadmin, azure_maintenance',
      { kind: 'all', exclude: ['rdsadmin', 'azure_maintenance'] },
    ],
    ['shop, hr', '', { kind: 'list', names: ['shop', 'hr'], exclude: [] }],
    ['Sales "EU"\nshop\nshop', '', { kind: 'list', names: ['Sales "EU"', 'shop'], exclude: [] }],
    ['shop\nhr', 'hr', { kind: 'list', names: ['shop'], exclude: ['hr'] }],
  ])('databases %j, exclude %j', (databases, exclude, expected) => {
    expect(backup({ databases, 'exclude-databases': exclude }).databases).toEqual(expected);
  });

  it('reads globals: true', () => {
    expect(backup({ globals: 'true' }).globals).toBe(true);
  });

  it.each([
    [{ globals: 'yes' }, 'globals', /'yes' is not a boolean/],
    [{ 'exclude-databases': 'x' }, 'exclude-databases', /databases is empty/],
    [{ databases: 'all', label: 'nightly' }, 'label', /cannot be combined with databases/],
    [{ databases: 'all, shop' }, 'databases', /mixes all with names/],
    [{ databases: 'shop', 'exclude-databases': 'shop' }, 'exclude-databases', /leaves none/],
  ])('refuses %j naming %s', (inputs, input, message) => {
    let error: unknown;
    try {
      backup(inputs);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InputError);
    expect((error as Error).message).toContain(input);
    expect((error as Error).message).toMatch(message);
  });

  it('gives each database its own connection and its name as label', () => {
    const s = forDatabase(backup({ databases: 'all' }), 'Sales "EU"');
    expect(s.connection.database).toBe('Sales "EU"');
    expect(s.connection.password).toBe('pw');
    expect(s.label).toBe('Sales-EU-');
  });
});

describe('restore: restore-globals', () => {
  const restore = (inputs: Record<string, string>) =>
    readRestoreSettings(
      readerOf({ 'target-database-url': 'postgresql://u@t/shop', storage: '/b', ...inputs }),
      () => undefined,
      '/',
    );

  it('defaults to false and reads true', () => {
    expect(restore({}).restoreGlobals).toBe(false);
    expect(restore({ 'restore-globals': 'true' }).restoreGlobals).toBe(true);
  });

  it('refuses a non-boolean naming the input', () => {
    expect(() => restore({ 'restore-globals': 'maybe' })).toThrow(/restore-globals/);
  });
});
