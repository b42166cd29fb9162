import { describe, expect, it } from '@jest/globals';
import { InputError } from '../../src/errors.js';
import {
  durationBefore,
  formatDuration,
  parseDuration,
  type Duration,
} from '../../src/duration.js';

const H = 3_600_000;
const D = 24 * H;

describe('parseDuration: the one grammar', () => {
  it.each<[string, Duration]>([
    ['45s', { months: 0, ms: 45_000 }],
    ['90m', { months: 0, ms: 90 * 60_000 }],
    ['90min', { months: 0, ms: 90 * 60_000 }],
    ['26h', { months: 0, ms: 26 * H }],
    ['2d', { months: 0, ms: 2 * D }],
    ['1w', { months: 0, ms: 7 * D }],
    ['1mo', { months: 1, ms: 0 }],
    ['18mo', { months: 18, ms: 0 }],
    ['1y', { months: 12, ms: 0 }],
    ['2y3mo', { months: 27, ms: 0 }],
    ['1d12h', { months: 0, ms: 36 * H }],
    ['1mo1m', { months: 1, ms: 60_000 }],
    ['1y2w3d4h5min6s', { months: 12, ms: 17 * D + 4 * H + 5 * 60_000 + 6000 }],
    ['100y', { months: 1200, ms: 0 }],
  ])('reads %j', (raw, duration) => {
    expect(parseDuration('keep-within', raw)).toEqual(duration);
  });

  it.each([
    '',
    '1',
    'mo',
    '1 mo',
    '1M',
    '1Y',
    '1yr',
    '1mon',
    '1month',
    '1.5y',
    '0y0mo',
    '101y',
    '1ms',
  ])('refuses %j naming the input and every unit', (raw) => {
    let error: unknown;
    try {
      parseDuration('max-age', raw);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InputError);
    const message = (error as Error).message;
    expect(message).toMatch(/^Input 'max-age': /);
    if (!/zero/.test(message))
      for (const unit of ['s,', 'm or min', 'h,', 'd,', 'w,', 'mo (calendar months)', 'y (years)'])
        expect(message).toContain(unit);
  });
});

describe('durationBefore: calendar months, then the fixed part', () => {
  it.each<[string, string, string]>([
    ['2026-03-15T10:00:00.000Z', '1mo', '2026-02-15T10:00:00.000Z'],
    ['2026-01-31T00:00:00.000Z', '1mo', '2025-12-31T00:00:00.000Z'],
    ['2026-03-31T12:00:00.000Z', '1mo', '2026-02-28T12:00:00.000Z'],
    ['2024-03-31T12:00:00.000Z', '1mo', '2024-02-29T12:00:00.000Z'],
    ['2026-05-31T00:00:00.000Z', '1mo', '2026-04-30T00:00:00.000Z'],
    ['2026-01-31T00:00:00.000Z', '2mo', '2025-11-30T00:00:00.000Z'],
    ['2024-02-29T06:00:00.000Z', '1y', '2023-02-28T06:00:00.000Z'],
    ['2028-02-29T06:00:00.000Z', '4y', '2024-02-29T06:00:00.000Z'],
    ['2026-01-15T00:00:00.000Z', '13mo', '2024-12-15T00:00:00.000Z'],
    ['2026-03-01T00:00:00.000Z', '1mo1d', '2026-01-31T00:00:00.000Z'],
    ['2024-03-01T00:00:00.000Z', '1d', '2024-02-29T00:00:00.000Z'],
    ['2026-11-22T02:00:00.000Z', '26h', '2026-11-21T00:00:00.000Z'],
    ['2026-11-22T02:00:00.000Z', '1d12h', '2026-11-20T14:00:00.000Z'],
  ])('%s − %s = %s', (at, raw, expected) => {
    expect(durationBefore(new Date(at), parseDuration('keep-within', raw)).toISOString()).toBe(
      expected,
    );
  });

  it('leaves the date it was given as it was', () => {
    const at = new Date('2026-03-31T00:00:00.000Z');
    durationBefore(at, { months: 1, ms: D });
    expect(at.toISOString()).toBe('2026-03-31T00:00:00.000Z');
  });
});

describe('formatDuration', () => {
  it.each<[Duration, string]>([
    [{ months: 0, ms: 30 * D }, '30d'],
    [{ months: 0, ms: 14 * D }, '2w'],
    [{ months: 0, ms: 36 * H }, '36h'],
    [{ months: 0, ms: 90 * 60_000 }, '90min'],
    [{ months: 0, ms: 1500 }, '1500ms'],
    [{ months: 1, ms: 0 }, '1mo'],
    [{ months: 12, ms: 0 }, '1y'],
    [{ months: 18, ms: 12 * H }, '1y6mo12h'],
  ])('writes %j as %s, which reads back the same', (duration, text) => {
    expect(formatDuration(duration)).toBe(text);
    if (duration.ms % 1000 === 0) expect(parseDuration('x', text)).toEqual(duration);
  });
});
