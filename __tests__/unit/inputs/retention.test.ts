// The keep-* and dry-run inputs through the production-like reader (action.yml's defaults).
import { describe, expect, it } from '@jest/globals';
import { InputError } from '../../../src/errors.js';
import { readBackupSettings } from '../../../src/inputs/backup.js';
import { readPruneSettings } from '../../../src/inputs/prune.js';
import { parseKeepWithin, readRetentionPolicy } from '../../../src/inputs/retention.js';
import { readerOf } from '../../../scripts/lib/repo.js';

const H = 3_600_000;
const D = 24 * H;

function pruneError(inputs: Record<string, string>): Error {
  try {
    readPruneSettings(readerOf(inputs), () => undefined, '/work');
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected an error');
}

describe('readRetentionPolicy', () => {
  it('is undefined when no keep-* input is set: there is no default policy', () => {
    expect(readRetentionPolicy(readerOf({}))).toBeUndefined();
  });

  it('reads every rule', () => {
    const read = readerOf({
      'keep-last': '3',
      'keep-daily': '7',
      'keep-weekly': '4',
      'keep-monthly': '12',
      'keep-yearly': '2',
      'keep-within': '30d',
    });
    expect(readRetentionPolicy(read)).toEqual({
      last: 3,
      daily: 7,
      weekly: 4,
      monthly: 12,
      yearly: 2,
      within: { months: 0, ms: 30 * D },
    });
  });

  it.each(['0', '-1', '1.5', 'seven', '7d', '1e3', '99999999999999999999'])(
    'refuses keep-daily %j naming the input and the accepted form',
    (raw) => {
      const error = pruneError({ 'keep-daily': raw });
      expect(error).toBeInstanceOf(InputError);
      expect(error.message).toContain("Input 'keep-daily'");
      expect(error.message).toContain('whole number of at least 1');
    },
  );
});

describe('parseKeepWithin', () => {
  it.each([
    ['30d', 30 * D],
    ['12h', 12 * H],
    ['2w', 14 * D],
    ['90min', 90 * 60_000],
    ['90m', 90 * 60_000],
    ['6m', 6 * 60_000],
    ['45s', 45_000],
    ['1d12h', 36 * H],
    ['1w2d', 9 * D],
    ['1d6m', D + 6 * 60_000],
  ])('reads %s', (raw, ms) => {
    expect(parseKeepWithin(raw)).toEqual({ months: 0, ms });
  });

  it.each([
    ['3mo', 3, 0],
    ['1y', 12, 0],
    ['1y6mo', 18, 0],
    ['1y6m', 12, 6 * 60_000],
    ['1mo12h', 1, 12 * H],
  ])('reads the calendar units in %s', (raw, months, ms) => {
    expect(parseKeepWithin(raw)).toEqual({ months, ms });
  });

  it.each(['30', 'd', '0d', '30 d', '30days', '-1d', '1.5d', '1d 2h', 'P30D', '2M'])(
    'refuses %j as a duration, naming the input and the forms',
    (raw) => {
      expect(() => parseKeepWithin(raw)).toThrow(InputError);
      expect(() => parseKeepWithin(raw)).toThrow(/^Input 'keep-within': /);
      if (raw !== '0d') expect(() => parseKeepWithin(raw)).toThrow(/mo \(calendar months\)/);
    },
  );
});

describe('readPruneSettings', () => {
  it('fails without any rule, naming every keep-* input', () => {
    const error = pruneError({ command: 'prune', storage: '/backups' });
    expect(error).toBeInstanceOf(InputError);
    for (const name of [
      'keep-last',
      'keep-daily',
      'keep-weekly',
      'keep-monthly',
      'keep-yearly',
      'keep-within',
    ])
      expect(error.message).toContain(name);
  });

  it('reads the first storage, the label rule, the policy and dry-run', () => {
    const read = readerOf({
      storage: 'backups\ns3://other/x/',
      'database-url': 'postgresql://u:p@h/sales',
      'keep-weekly': '4',
      'dry-run': 'true',
    });
    expect(readPruneSettings(read, () => undefined, '/work')).toEqual({
      storage: { kind: 'local', directory: '/work/backups' },
      label: 'sales',
      policy: { weekly: 4 },
      dryRun: true,
    });
  });

  it('leaves the label to the location when neither label nor database-url is given', () => {
    const read = readerOf({ storage: 's3://bucket/p', 'keep-last': '1' });
    const settings = readPruneSettings(read, () => undefined, '/work');
    expect(settings.label).toBeUndefined();
    expect(settings.dryRun).toBe(false);
    expect(settings.s3).toBeDefined();
  });
});

describe('readBackupSettings', () => {
  const URL = 'postgresql://app:pw@db:5432/app';

  it('reads the retention policy of a backup', () => {
    const read = readerOf({ 'database-url': URL, 'keep-last': '5', 'keep-within': '12h' });
    expect(readBackupSettings(read, () => undefined, '/work').retention).toEqual({
      last: 5,
      within: { months: 0, ms: 12 * H },
    });
  });

  it('has no retention when no keep-* input is set', () => {
    const read = readerOf({ 'database-url': URL });
    expect(readBackupSettings(read, () => undefined, '/work').retention).toBeUndefined();
  });
});
