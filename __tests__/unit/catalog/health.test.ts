// The check command's verdict (assess) and the duration grammar, as tables.
import { describe, expect, it } from '@jest/globals';
import { assess, describeSpan } from '../../../src/catalog/health.js';
import { InputError } from '../../../src/errors.js';
import { parseSizeTolerance } from '../../../src/inputs/check.js';
import { parseDuration } from '../../../src/duration.js';
import { manifestOf, NOW } from '../../helpers/check-kit.js';

const HOUR = 3_600_000;

describe('assess: age', () => {
  it.each([
    ['fresh', 3, 26, true],
    ['exactly at the limit', 26, 26, true],
    ['one second past the limit', 26 + 1 / 3600, 26, false],
    ['stale', 30, 26, false],
  ])('%s (%dh old, max-age %dh) → healthy %s', (_, hoursAgo, limitHours, healthy) => {
    const newest = manifestOf('app', hoursAgo, 1000);
    const health = assess(newest, undefined, { maxAge: { months: 0, ms: limitHours * HOUR } }, NOW);
    expect(health.healthy).toBe(healthy);
    expect(health.ageSeconds).toBe(Math.round(hoursAgo * 3600));
    expect(health.problems).toHaveLength(healthy ? 0 : 1);
  });

  it('names the age, when it finished and the limit', () => {
    const newest = manifestOf('app', 30.5, 1000);
    const [problem] = assess(
      newest,
      undefined,
      { maxAge: { months: 0, ms: 26 * HOUR } },
      NOW,
    ).problems;
    expect(problem).toBe(
      `The newest backup ${newest.id} is 30h 30m old (finished ${newest.finishedAt}), older than max-age 26h.`,
    );
  });

  it('measures max-age in calendar months back from now', () => {
    const monthAgo = new Date(NOW.getTime());
    monthAgo.setUTCMonth(monthAgo.getUTCMonth() - 1);
    const hoursAgo = (NOW.getTime() - monthAgo.getTime()) / HOUR;
    const oneMonth = { months: 1, ms: 0 };
    expect(
      assess(manifestOf('app', hoursAgo, 10), undefined, { maxAge: oneMonth }, NOW).healthy,
    ).toBe(true);
    const [problem] = assess(
      manifestOf('app', hoursAgo + 1, 10),
      undefined,
      { maxAge: oneMonth },
      NOW,
    ).problems;
    expect(problem).toMatch(/older than max-age 1mo\.$/);
  });

  it('counts a backup that finished after now as age 0', () => {
    const health = assess(
      manifestOf('app', -1, 10),
      undefined,
      { maxAge: { months: 0, ms: HOUR } },
      NOW,
    );
    expect(health).toMatchObject({ healthy: true, ageSeconds: 0 });
  });

  it('does not check the age without max-age', () => {
    const health = assess(manifestOf('app', 9999, 10), undefined, { sizeTolerance: 5 }, NOW);
    expect(health).toMatchObject({ healthy: true, ageChecked: false, ageSeconds: 9999 * 3600 });
  });
});

describe('assess: size', () => {
  it.each([
    ['a drop beyond tolerance', 1000, 400, 50, false],
    ['growth beyond tolerance', 1000, 1600, 50, false],
    ['a drop within tolerance', 1000, 600, 50, true],
    ['growth within tolerance', 1000, 1400, 50, true],
    ['a drop exactly at the tolerance', 1000, 500, 50, true],
    ['no change with tolerance 0', 1000, 1000, 0, true],
    ['one byte more with tolerance 0', 1000, 1001, 0, false],
    ['growth from an empty backup', 0, 10, 1000, false],
    ['two empty backups', 0, 0, 0, true],
    ['decimals in the tolerance', 1000, 1125, 12.5, true],
  ])('%s (%d → %d bytes, %d%%) → healthy %s', (_, before, after, tolerance, healthy) => {
    const previous = manifestOf('app', 25, before);
    const newest = manifestOf('app', 1, after);
    const health = assess(newest, previous, { sizeTolerance: tolerance }, NOW);
    expect(health.healthy).toBe(healthy);
    expect(health.size).toBe(after);
    expect(health.sizeCheck).toMatchObject({ checked: true, previousSize: before });
  });

  it('names both sizes, the direction and the tolerance on a drop', () => {
    const previous = manifestOf('app', 25, 10 * 1024 * 1024);
    const newest = manifestOf('app', 1, 4 * 1024 * 1024);
    const [problem] = assess(newest, previous, { sizeTolerance: 50 }, NOW).problems;
    expect(problem).toBe(
      `The newest backup ${newest.id} is 4.0 MiB (4194304 bytes), 60.0% smaller than the previous one ${previous.id} (10.0 MiB (10485760 bytes)); size-tolerance is 50%.`,
    );
  });

  it('names both sizes on growth', () => {
    const previous = manifestOf('app', 25, 100);
    const newest = manifestOf('app', 1, 300);
    const [problem] = assess(newest, previous, { sizeTolerance: 50 }, NOW).problems;
    expect(problem).toContain('300 bytes, 200.0% larger than the previous one');
    expect(problem).toContain(`${previous.id} (100 bytes)`);
  });

  it('skips the size with only one backup', () => {
    const health = assess(manifestOf('app', 1, 1), undefined, { sizeTolerance: 1 }, NOW);
    expect(health).toMatchObject({
      healthy: true,
      sizeCheck: { checked: false, reason: 'only one backup' },
    });
  });

  it('skips the size without size-tolerance', () => {
    const previous = manifestOf('app', 25, 1_000_000);
    const health = assess(
      manifestOf('app', 1, 1),
      previous,
      { maxAge: { months: 0, ms: 26 * HOUR } },
      NOW,
    );
    expect(health).toMatchObject({
      healthy: true,
      sizeCheck: { checked: false, reason: 'no tolerance' },
    });
  });

  it('reports both problems when stale and shrunk', () => {
    const previous = manifestOf('app', 80, 1000);
    const newest = manifestOf('app', 50, 10);
    const health = assess(
      newest,
      previous,
      { maxAge: { months: 0, ms: 26 * HOUR }, sizeTolerance: 50 },
      NOW,
    );
    expect(health.healthy).toBe(false);
    expect(health.problems).toHaveLength(2);
  });
});

describe('parseDuration', () => {
  it.each([
    ['26h', 26 * HOUR],
    ['90m', 90 * 60_000],
    ['90min', 90 * 60_000],
    ['2d', 48 * HOUR],
    ['1w', 168 * HOUR],
    ['3600s', HOUR],
    ['1d12h', 36 * HOUR],
    ['1h30m', 90 * 60_000],
    [' 26h ', 26 * HOUR],
  ])('accepts %j', (raw, ms) => {
    expect(parseDuration('max-age', raw)).toEqual({ months: 0, ms });
  });

  it.each([
    '',
    '26',
    'h',
    '26H',
    '1.5h',
    '-2h',
    '0h',
    '0d0h',
    '26 h',
    '2Y',
    '1M',
    'P1D',
    '5mins',
    '1mi',
    '26h,',
    '99999999999h',
  ])('rejects %j naming the input and the forms', (raw) => {
    const error = (() => {
      try {
        parseDuration('max-age', raw);
      } catch (e) {
        return e as Error;
      }
      throw new Error(`accepted ${raw}`);
    })();
    expect(error).toBeInstanceOf(InputError);
    expect(error.message).toContain("Input 'max-age'");
    expect(error.message).toMatch(/26h|positive duration/);
  });
});

describe('parseSizeTolerance', () => {
  it.each([
    ['50', 50],
    ['0', 0],
    ['12.5', 12.5],
    ['1000', 1000],
    ['50%', 50],
  ])('accepts %j', (raw, percent) => {
    expect(parseSizeTolerance(raw)).toBe(percent);
  });

  it.each(['-1', '1000.5', 'fifty', '1e2', '.5', '50 percent', 'Infinity'])('rejects %j', (raw) => {
    expect(() => parseSizeTolerance(raw)).toThrow(/Input 'size-tolerance': .* from 0 to 1000/);
  });
});

describe('describeSpan', () => {
  it.each([
    [45_000, '45s'],
    [90 * 60_000, '1h 30m'],
    [26 * HOUR, '26h'],
    [30 * 60_000 + 5000, '30m 5s'],
    [76 * HOUR, '3d 4h'],
    [7 * 24 * HOUR, '7d'],
  ])('%d ms → %s', (ms, text) => {
    expect(describeSpan(ms)).toBe(text);
  });
});
