// Retention as a pure function: tables of UTC dates, restic `forget` bucketing.
import { describe, expect, it } from '@jest/globals';
import {
  describePolicy,
  isoWeek,
  selectExpired,
  type Dated,
  type RetentionRule,
} from '../../../src/catalog/retention.js';
import { backupId } from '../../../src/catalog/naming.js';
import type { RetentionPolicy } from '../../../src/settings.js';

/** A backup of label `app` created at `iso` (the id stamp is its whole second). */
function at(iso: string): Dated {
  return { id: backupId('app', new Date(iso)), createdAt: new Date(iso).toISOString() };
}

/** The kept and expired createdAt values (as written in the table: no milliseconds) of a selection. */
function run(dates: string[], policy: RetentionPolicy): { kept: string[]; expired: string[] } {
  const s = selectExpired(dates.map(at), policy);
  const short = (b: Dated) => b.createdAt.replace(/\.000Z$/, 'Z');
  return { kept: s.kept.map((k) => short(k.backup)), expired: s.expired.map(short) };
}

function rulesOf(dates: string[], policy: RetentionPolicy): Record<string, RetentionRule[]> {
  const s = selectExpired(dates.map(at), policy);
  return Object.fromEntries(
    s.kept.map((k) => [k.backup.createdAt.replace(/\.000Z$/, 'Z'), k.rules]),
  );
}

describe('isoWeek', () => {
  it.each([
    ['2020-12-31T23:59:59Z', '2020-W53'], // Thursday of week 53
    ['2021-01-01T00:00:00Z', '2020-W53'],
    ['2021-01-03T23:59:59Z', '2020-W53'], // Sunday ends it
    ['2021-01-04T00:00:00Z', '2021-W01'], // Monday starts the next
    ['2026-12-31T12:00:00Z', '2026-W53'],
    ['2027-01-03T12:00:00Z', '2026-W53'],
    ['2027-01-04T00:00:00Z', '2027-W01'],
    ['2024-12-30T00:00:00Z', '2025-W01'], // a Monday in December already in next year's week 1
    ['2019-12-29T23:59:59Z', '2019-W52'],
    ['2024-02-29T12:00:00Z', '2024-W09'],
    ['2026-11-22T02:00:00Z', '2026-W47'], // a Sunday
    ['2026-11-23T02:00:00Z', '2026-W48'], // the next Monday
  ])('%s is in %s', (iso, week) => {
    expect(isoWeek(new Date(iso))).toBe(week);
  });
});

describe('selectExpired', () => {
  it('keeps nothing and expires nothing when there are no backups', () => {
    expect(selectExpired([], { daily: 7 })).toEqual({ kept: [], expired: [] });
  });

  it('keeps every backup, the newest marked, when the policy has no rule', () => {
    const dates = ['2026-11-22T02:00:00Z', '2026-01-01T00:00:00Z'];
    expect(run(dates, {})).toEqual({ kept: dates, expired: [] });
    expect(rulesOf(dates, {})).toEqual({ [dates[0]]: ['newest'], [dates[1]]: [] });
  });

  it('keep-last keeps the N newest, whatever order they come in', () => {
    const dates = ['2026-11-20T00:00:00Z', '2026-11-22T00:00:00Z', '2026-11-21T00:00:00Z'];
    expect(run(dates, { last: 2 })).toEqual({
      kept: ['2026-11-22T00:00:00Z', '2026-11-21T00:00:00Z'],
      expired: ['2026-11-20T00:00:00Z'],
    });
  });

  it('keep-daily keeps the newest of each day when there are several a day', () => {
    const dates = [
      '2026-11-22T02:00:00Z',
      '2026-11-22T01:00:00Z',
      '2026-11-21T23:59:59Z',
      '2026-11-21T00:00:00Z',
      '2026-11-20T10:00:00Z',
    ];
    expect(run(dates, { daily: 2 })).toEqual({
      kept: ['2026-11-22T02:00:00Z', '2026-11-21T23:59:59Z'],
      expired: ['2026-11-22T01:00:00Z', '2026-11-21T00:00:00Z', '2026-11-20T10:00:00Z'],
    });
  });

  it('keep-daily counts days that have backups, across gaps of weeks', () => {
    const dates = ['2026-11-22T02:00:00Z', '2026-11-01T02:00:00Z', '2026-10-04T02:00:00Z'];
    expect(run(dates, { daily: 2 }).kept).toEqual(['2026-11-22T02:00:00Z', '2026-11-01T02:00:00Z']);
  });

  it('keep-daily puts the leap day in its own day', () => {
    const dates = [
      '2024-03-01T01:00:00Z',
      '2024-02-29T12:00:00Z',
      '2024-02-29T03:00:00Z',
      '2024-02-28T22:00:00Z',
    ];
    expect(run(dates, { daily: 3 })).toEqual({
      kept: ['2024-03-01T01:00:00Z', '2024-02-29T12:00:00Z', '2024-02-28T22:00:00Z'],
      expired: ['2024-02-29T03:00:00Z'],
    });
  });

  it('keep-monthly splits at the month boundary in UTC', () => {
    const dates = [
      '2026-03-01T00:00:00Z',
      '2026-02-28T23:59:59Z', // March already in UTC+1, still February in UTC
      '2026-02-01T00:00:00Z',
      '2026-01-31T23:59:59Z',
      '2024-02-29T00:00:00Z',
    ];
    expect(run(dates, { monthly: 3 })).toEqual({
      kept: ['2026-03-01T00:00:00Z', '2026-02-28T23:59:59Z', '2026-01-31T23:59:59Z'],
      expired: ['2026-02-01T00:00:00Z', '2024-02-29T00:00:00Z'],
    });
  });

  it('keep-yearly splits at the year boundary', () => {
    const dates = [
      '2026-01-01T00:00:00Z',
      '2025-12-31T23:59:59Z',
      '2025-06-01T00:00:00Z',
      '2024-12-31T23:59:59Z',
    ];
    expect(run(dates, { yearly: 2 })).toEqual({
      kept: ['2026-01-01T00:00:00Z', '2025-12-31T23:59:59Z'],
      expired: ['2025-06-01T00:00:00Z', '2024-12-31T23:59:59Z'],
    });
  });

  it('keep-weekly uses ISO weeks: 2020-12-31 to 2021-01-03 are one week (53)', () => {
    const dates = [
      '2021-01-04T08:00:00Z', // 2021-W01
      '2021-01-03T23:00:00Z', // 2020-W53
      '2021-01-01T10:00:00Z', // 2020-W53
      '2020-12-31T10:00:00Z', // 2020-W53
      '2020-12-27T10:00:00Z', // 2020-W52 (a Sunday)
    ];
    expect(run(dates, { weekly: 2 })).toEqual({
      kept: ['2021-01-04T08:00:00Z', '2021-01-03T23:00:00Z'],
      expired: ['2021-01-01T10:00:00Z', '2020-12-31T10:00:00Z', '2020-12-27T10:00:00Z'],
    });
    expect(run(dates, { weekly: 3 }).kept).toContain('2020-12-27T10:00:00Z');
  });

  it('week 53 of 2026 spans the new year while keep-yearly splits it', () => {
    const dates = [
      '2027-01-02T00:00:00Z', // Saturday, 2026-W53
      '2027-01-01T00:00:00Z',
      '2026-12-31T00:00:00Z',
      '2026-12-28T00:00:00Z', // Monday, 2026-W53
      '2026-12-27T00:00:00Z', // Sunday, 2026-W52
    ];
    expect(rulesOf(dates, { weekly: 1, yearly: 2 })).toEqual({
      '2027-01-02T00:00:00Z': ['weekly', 'yearly'],
      '2026-12-31T00:00:00Z': ['yearly'],
    });
    expect(run(dates, { weekly: 2 }).kept).toEqual([
      '2027-01-02T00:00:00Z',
      '2026-12-27T00:00:00Z',
    ]);
  });

  it('keep-within is inclusive to the millisecond, measured from the newest backup', () => {
    const backups = [
      { id: 'app-20261122T020000Z', createdAt: '2026-11-22T02:00:00.000Z' },
      { id: 'app-20261121T020000Z', createdAt: '2026-11-21T02:00:00.000Z' },
      { id: 'app-20261121T015959Z', createdAt: '2026-11-21T01:59:59.999Z' },
    ];
    const s = selectExpired(backups, { within: { months: 0, ms: 86_400_000 } });
    expect(s.kept.map((k) => k.backup.id)).toEqual([
      'app-20261122T020000Z',
      'app-20261121T020000Z',
    ]);
    expect(s.expired.map((b) => b.id)).toEqual(['app-20261121T015959Z']);
    expect(s.kept.every((k) => k.rules.includes('within'))).toBe(true);
  });

  it.each([
    ['2026-03-31T02:00:00Z', '2026-02-28T02:00:00Z', '2026-02-28T01:59:59Z'],
    ['2024-03-31T02:00:00Z', '2024-02-29T02:00:00Z', '2024-02-29T01:59:59Z'],
    ['2026-01-15T02:00:00Z', '2025-12-15T02:00:00Z', '2025-12-15T01:59:59Z'],
  ])('keep-within 1mo from %s keeps %s (a calendar month), not %s', (newest, edge, past) => {
    const within = { months: 1, ms: 0 };
    expect(run([newest, edge, past], { within })).toEqual({
      kept: [newest, edge],
      expired: [past],
    });
  });

  it('keep-within 1y from 29 February keeps 28 February of the year before', () => {
    const dates = ['2028-02-29T00:00:00Z', '2027-02-28T00:00:00Z', '2027-02-27T23:59:59Z'];
    expect(run(dates, { within: { months: 12, ms: 0 } }).expired).toEqual(['2027-02-27T23:59:59Z']);
    expect(describePolicy({ within: { months: 12, ms: 0 } })).toBe('keep-within 1y');
  });

  it('combines rules: a backup is kept when any rule keeps it, with every rule that did', () => {
    const dates = [
      '2026-11-22T03:00:00Z',
      '2026-11-22T02:00:00Z',
      '2026-11-21T02:00:00Z',
      '2026-11-15T02:00:00Z',
      '2026-10-31T02:00:00Z',
      '2026-10-01T02:00:00Z',
      '2026-09-30T02:00:00Z',
      '2025-12-31T02:00:00Z',
    ];
    const policy = {
      last: 2,
      daily: 3,
      monthly: 3,
      yearly: 2,
      within: { months: 0, ms: 3_600_000 },
    };
    expect(rulesOf(dates, policy)).toEqual({
      '2026-11-22T03:00:00Z': ['last', 'daily', 'monthly', 'yearly', 'within'],
      '2026-11-22T02:00:00Z': ['last', 'within'],
      '2026-11-21T02:00:00Z': ['daily'],
      '2026-11-15T02:00:00Z': ['daily'],
      '2026-10-31T02:00:00Z': ['monthly'],
      '2026-09-30T02:00:00Z': ['monthly'],
      '2025-12-31T02:00:00Z': ['yearly'],
    });
    expect(run(dates, policy).expired).toEqual(['2026-10-01T02:00:00Z']);
  });

  it('always keeps the newest backup, also when it is not first in the input', () => {
    const dates = ['2026-01-01T00:00:00Z', '2026-11-22T02:00:00Z', '2026-06-01T00:00:00Z'];
    for (const policy of [
      { last: 1 },
      { within: { months: 0, ms: 1000 } },
      { yearly: 1 },
      { weekly: 1 },
    ]) {
      expect(run(dates, policy).kept).toEqual(['2026-11-22T02:00:00Z']);
    }
  });

  it('orders runs of the same instant by their -N serial: the later run is the newest', () => {
    const createdAt = '2026-11-22T02:00:00.000Z';
    const backups = ['app-20261122T020000Z', 'app-20261122T020000Z-10', 'app-20261122T020000Z-2'];
    const s = selectExpired(
      backups.map((id) => ({ id, createdAt })),
      { last: 1 },
    );
    expect(s.kept.map((k) => k.backup.id)).toEqual(['app-20261122T020000Z-10']);
    expect(s.expired.map((b) => b.id)).toEqual(['app-20261122T020000Z-2', 'app-20261122T020000Z']);
  });

  it('orders the same second by serial whatever the milliseconds, as ids are ordered', () => {
    // The run that started later in the second may claim the id first: its createdAt is later.
    const backups = [
      { id: 'app-20261122T020000Z', createdAt: '2026-11-22T02:00:00.900Z' },
      { id: 'app-20261122T020000Z-2', createdAt: '2026-11-22T02:00:00.100Z' },
    ];
    const s = selectExpired(backups, { last: 1 });
    expect(s.kept.map((k) => k.backup.id)).toEqual(['app-20261122T020000Z-2']);
  });

  it('sets future-dated backups aside: kept, never the newest nor counted', () => {
    const now = new Date('2026-11-22T02:00:00Z');
    const future = at('2026-12-22T02:00:00Z');
    const dates = ['2026-11-22T02:00:00Z', '2026-11-20T02:00:00Z', '2026-11-01T02:00:00Z'];
    const s = selectExpired(
      [future, ...dates.map(at)],
      { within: { months: 0, ms: 7 * 86_400_000 } },
      { now },
    );
    expect(s.kept.map((k) => [k.backup.id, k.rules])).toEqual([
      [future.id, ['future']],
      ['app-20261122T020000Z', ['within']],
      ['app-20261120T020000Z', ['within']],
    ]);
    expect(s.expired.map((b) => b.id)).toEqual(['app-20261101T020000Z']);
    const daily = selectExpired([future, ...dates.map(at)], { daily: 1 }, { now });
    expect(daily.kept.map((k) => k.backup.id)).toEqual([future.id, 'app-20261122T020000Z']);
  });

  it('allows five minutes of clock skew before a backup is future-dated', () => {
    const now = new Date('2026-11-22T02:00:00Z');
    const skewed = at('2026-11-22T02:04:59Z');
    const s = selectExpired([skewed, at('2026-11-21T02:00:00Z')], { last: 1 }, { now });
    expect(s.kept.map((k) => [k.backup.id, k.rules])).toEqual([[skewed.id, ['last']]]);
  });

  it('always keeps the own ids, however old', () => {
    const dates = ['2026-11-22T02:00:00Z', '2026-11-21T02:00:00Z', '2026-11-20T02:00:00Z'];
    const own = [at(dates[2]).id];
    const s = selectExpired(dates.map(at), { last: 1 }, { own });
    expect(s.kept.map((k) => [k.backup.id, k.rules])).toEqual([
      ['app-20261122T020000Z', ['last']],
      [own[0], ['own']],
    ]);
  });

  it('describes a policy as its inputs read', () => {
    expect(describePolicy({ last: 3, weekly: 4, within: { months: 0, ms: 30 * 86_400_000 } })).toBe(
      'keep-last 3, keep-weekly 4, keep-within 30d',
    );
    expect(describePolicy({ within: { months: 0, ms: 36 * 3_600_000 } })).toBe('keep-within 36h');
    expect(describePolicy({ within: { months: 0, ms: 14 * 86_400_000 } })).toBe('keep-within 2w');
    expect(describePolicy({})).toBe('none');
  });
});
