// S3 Object Lock as pure functions: the inputs, the lock of a backup's files, the upload parameters.
import { describe, expect, it } from '@jest/globals';
import { isLocked, lockOf, lockOfFile } from '../../../src/catalog/lock.js';
import { InputError } from '../../../src/errors.js';
import { readObjectLock } from '../../../src/inputs/object-lock.js';
import type { ObjectLock, StorageLocation } from '../../../src/settings.js';
import { retentionParams } from '../../../src/storage/s3-lock.js';
import { readerOf } from '../../../scripts/lib/repo.js';

/** The Object Lock parameters of a file's upload, as the S3 store gets them from the catalog. */
const lockParams = (fileName: string, lock: ObjectLock | undefined) =>
  retentionParams(lockOfFile(fileName, lock));

const S3: StorageLocation[] = [{ kind: 's3', bucket: 'b', prefix: '' }];
const read = (inputs: Record<string, string>, storage = S3) =>
  readObjectLock(readerOf(inputs), storage);
const LOCK = { mode: 'GOVERNANCE' as const, days: 30 };

describe('readObjectLock', () => {
  it('is none by default and reads a mode (any case) with days', () => {
    expect(read({})).toBeUndefined();
    expect(read({ 's3-object-lock-mode': 'compliance', 's3-object-lock-days': '7' })).toEqual({
      mode: 'COMPLIANCE',
      days: 7,
    });
  });

  it.each([
    [{ 's3-object-lock-mode': 'GOVERNANCE' }, /s3-object-lock-days/],
    [{ 's3-object-lock-days': '7' }, /s3-object-lock-mode is empty/],
    [{ 's3-object-lock-mode': 'LEGAL', 's3-object-lock-days': '7' }, /governance, compliance/],
    [{ 's3-object-lock-mode': 'GOVERNANCE', 's3-object-lock-days': '0' }, /at least 1/],
    [{ 's3-object-lock-mode': 'GOVERNANCE', 's3-object-lock-days': '1.5' }, /whole number/],
  ])('refuses %j', (inputs, message) => {
    expect(() => read(inputs)).toThrow(InputError);
    expect(() => read(inputs)).toThrow(message);
  });

  it('needs an s3:// location', () => {
    const local: StorageLocation[] = [{ kind: 'local', directory: '/b' }];
    expect(() =>
      read({ 's3-object-lock-mode': 'GOVERNANCE', 's3-object-lock-days': '7' }, local),
    ).toThrow(/needs an s3:\/\/ storage location/);
  });
});

describe('the lock of a backup', () => {
  const id = 'app-20261122T020000Z-2';
  const until = '2026-12-22T02:00:00.000Z';

  it('is the id time plus the days, for every file of the backup but not its claim', () => {
    expect(lockOf(id, LOCK)).toEqual({ mode: 'GOVERNANCE', retainUntil: until });
    for (const file of [
      `${id}.dump.age`,
      `${id}.manifest.json`,
      `${id}.recovery.md`,
      `${id}.globals.sql.zst`,
    ])
      expect(lockOfFile(file, LOCK)?.retainUntil).toBe(until);
    expect(lockOfFile(`.${id}.claim`, LOCK)).toBeUndefined();
    expect(lockOfFile(`${id}.dump`, undefined)).toBeUndefined();
  });

  it('gives uploads the mode, the date and a CRC32 checksum; nothing without a lock', () => {
    expect(lockParams(`${id}.dump`, LOCK)).toEqual({
      ObjectLockMode: 'GOVERNANCE',
      ObjectLockRetainUntilDate: new Date(until),
      ChecksumAlgorithm: 'CRC32',
    });
    expect(lockParams(`${id}.dump`, undefined)).toEqual({});
    expect(lockParams(`.${id}.claim`, LOCK)).toEqual({});
  });

  it('holds until the retain-until time', () => {
    const lock = { mode: 'COMPLIANCE' as const, retainUntil: until };
    expect(isLocked({ lock }, new Date('2026-12-22T01:59:59Z'))).toBe(true);
    expect(isLocked({ lock }, new Date(until))).toBe(false);
    expect(isLocked({}, new Date(0))).toBe(false);
  });
});
