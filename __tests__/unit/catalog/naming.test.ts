import { describe, expect, it } from '@jest/globals';
import { InputError } from '../../../src/errors.js';
import {
  idOfBackupFile,
  backupId,
  checkLabel,
  dataObjectName,
  firstFreeId,
  formatTimestamp,
  labelFromDatabase,
  manifestName,
} from '../../../src/catalog/naming.js';
import { thrown } from '../../helpers/unit-support.js';

describe('formatTimestamp', () => {
  it.each([
    ['2026-11-22T02:00:00.000Z', '20261122T020000Z'],
    ['2026-11-22T02:00:00.999Z', '20261122T020000Z'],
    ['2000-01-01T00:00:00Z', '20000101T000000Z'],
    ['1999-12-31T23:59:59.500Z', '19991231T235959Z'],
    ['2024-02-29T12:34:56Z', '20240229T123456Z'],
    // a local time is written in UTC
    ['2026-11-22T03:00:00+01:00', '20261122T020000Z'],
    ['2026-11-21T21:30:00-04:30', '20261122T020000Z'],
  ])('formats %s as %s', (iso, expected) => {
    const text = formatTimestamp(new Date(iso));
    expect(text).toBe(expected);
    expect(text).toMatch(/^\d{8}T\d{6}Z$/);
  });
});

describe('backupId', () => {
  it.each([
    ['app', '2026-11-22T02:00:00Z', 'app-20261122T020000Z'],
    ['my-db.v2', '2026-01-02T03:04:05.678Z', 'my-db.v2-20260102T030405Z'],
  ])('joins %s and %s', (label, iso, expected) => {
    const id = backupId(label, new Date(iso));
    expect(id).toBe(expected);
    expect(id).not.toContain(':');
  });

  it('names the data object and the manifest after the id', () => {
    expect(dataObjectName('app-20261122T020000Z', '.sql.zst')).toBe('app-20261122T020000Z.sql.zst');
    expect(manifestName('app-20261122T020000Z')).toBe('app-20261122T020000Z.manifest.json');
  });
});

describe('firstFreeId', () => {
  const ID = 'app-20261122T020000Z';

  it.each([
    [[], ID],
    [[ID], `${ID}-2`],
    [[ID, `${ID}-2`], `${ID}-3`],
    [[ID, `${ID}-2`, `${ID}-3`, `${ID}-4`], `${ID}-5`],
    [[`${ID}-2`], ID],
    [[ID, `${ID}-3`], `${ID}-2`],
  ])('with %j taken gives %s', async (taken, expected) => {
    const asked: string[] = [];
    const id = await firstFreeId(ID, (candidate) => {
      asked.push(candidate);
      return Promise.resolve(taken.includes(candidate));
    });
    expect(id).toBe(expected);
    expect(asked[asked.length - 1]).toBe(expected);
    expect(asked.every((c) => c === expected || taken.includes(c))).toBe(true);
  });

  it('asks one candidate at a time, in order', async () => {
    const asked: string[] = [];
    await firstFreeId(ID, (candidate) => {
      asked.push(candidate);
      return Promise.resolve(asked.length < 3);
    });
    expect(asked).toEqual([ID, `${ID}-2`, `${ID}-3`]);
  });

  it('gives up after -999', async () => {
    let calls = 0;
    await expect(
      firstFreeId(ID, () => {
        calls += 1;
        return Promise.resolve(true);
      }),
    ).rejects.toThrow(`${ID}-999`);
    expect(calls).toBe(999);
  });

  it('passes on a failure of the check', async () => {
    await expect(firstFreeId(ID, () => Promise.reject(new Error('S3 403')))).rejects.toThrow(
      'S3 403',
    );
  });
});

describe('labelFromDatabase', () => {
  it.each([
    ['app', 'app'],
    ['App_DB.v2-x', 'App_DB.v2-x'],
    ['my db', 'my-db'],
    ['my   db', 'my-db'],
    ['a/b\\c:d', 'a-b-c-d'],
    ['__tenant', 'tenant'],
    ['-.x', 'x'],
    ['.hidden', 'hidden'],
    ['db!', 'db-'],
    ['café', 'caf-'],
    ['日本語', 'db'],
    ['', 'db'],
    ['---', 'db'],
    ['x'.repeat(150), 'x'.repeat(63)],
  ])('derives %j as %j', (database, label) => {
    expect(labelFromDatabase(database)).toBe(label);
  });

  it.each([
    'my db',
    '__x',
    '!!!',
    'é'.repeat(3),
    `${'-'.repeat(5)}${'a'.repeat(200)}`,
    'a'.repeat(99) + ' b',
  ])('always yields a label checkLabel accepts (%j)', (database) => {
    const label = labelFromDatabase(database);
    expect(checkLabel('label', label)).toBe(label);
  });
});

describe('checkLabel', () => {
  it.each(['a', 'A', '0', 'app', 'my-db.v2_x', 'x'.repeat(63), '9lives'])('accepts %j', (label) => {
    expect(checkLabel('label', label)).toBe(label);
  });

  it.each(['', '-a', '.a', '_a', 'a b', 'a/b', 'a:b', 'é', 'x'.repeat(64), 'a\n', 'a@b'])(
    'rejects %j naming the input and the rules',
    (label) => {
      const error = thrown(() => checkLabel('label', label));
      expect(error).toBeInstanceOf(InputError);
      expect(error.message).toContain("Input 'label'");
      expect(error.message).toContain('up to 63');
    },
  );
});

describe('idOfBackupFile', () => {
  it.each([
    ['app-20261122T020000Z.dump', 'app-20261122T020000Z'],
    ['app-20261122T020000Z-2.sql.zst.age', 'app-20261122T020000Z-2'],
    ['app.v1-20261122T020000Z.tar', 'app.v1-20261122T020000Z'],
    ['app-20261122T020000Z.globals.sql.gz', 'app-20261122T020000Z'],
    ['app-20261122T020000Z.recovery.md', 'app-20261122T020000Z'],
    ['app-20261122T020000Z.verified.json', 'app-20261122T020000Z'],
  ])('%s belongs to %s', (name, id) => {
    expect(idOfBackupFile(name)).toBe(id);
  });

  it.each([
    'app-20261122T020000Z.manifest.json',
    '.app-20261122T020000Z.claim',
    'app-20261122T020000Z.dump.partial',
    '.app-20261122T020000Z.dump.partial-1a2b3c4d',
    'app-20261399T020000Z.dump',
    'notes.txt',
  ])('%s is no backup file', (name) => {
    expect(idOfBackupFile(name)).toBeUndefined();
  });
});
