// The action's one duration grammar (SPEC, prune): whole numbers with a unit, combinable as 1d12h.
import { InputError } from './errors.js';

/**
 * A parsed duration: calendar months (a year is 12) and a fixed length in milliseconds. Months
 * have no fixed length, so a duration is only ever applied to a date (`durationBefore`).
 */
export interface Duration {
  months: number;
  ms: number;
}

const UNIT_MS: Record<string, number> = {
  s: 1000,
  m: 60_000,
  min: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};
const UNIT_MONTHS: Record<string, number> = { mo: 1, y: 12 };
const WHOLE = /^(?:\d+(?:min|mo|[smhdwy]))+$/;
const PART = /(\d+)(min|mo|[smhdwy])/g;
/** An average month, only to bound a duration's length (never to apply one). */
const MONTH_MS = 2_629_746_000;
const MAX_MS = 1200 * MONTH_MS;
const EXAMPLES = 'e.g. 26h, 90m, 2d, 1w, 1mo or 1y';
/** The accepted forms, for messages. */
export const DURATION_FORMS = `whole numbers with a unit: s, m or min (minutes), h, d, w, mo (calendar months), y (years), ${EXAMPLES}; parts may combine, as in 1d12h`;

/**
 * A duration such as `26h`, `90m`, `2d`, `1w`, `3mo`, `1y` or a combination like `1d12h` (units: s
 * seconds, m or min minutes, h hours, d days, w weeks, mo calendar months, y years). Fails with an
 * InputError naming `input` on anything else, on zero and on durations beyond 100 years.
 */
export function parseDuration(input: string, raw: string): Duration {
  const value = raw.trim();
  if (!WHOLE.test(value))
    throw new InputError(input, `'${raw}' is not a duration: use ${DURATION_FORMS}.`);
  const duration: Duration = { months: 0, ms: 0 };
  for (const [, count, unit = ''] of value.matchAll(PART)) {
    duration.months += Number(count) * (UNIT_MONTHS[unit] ?? 0);
    duration.ms += Number(count) * (UNIT_MS[unit] ?? 0);
  }
  if (duration.months === 0 && duration.ms === 0)
    throw new InputError(input, `'${raw}' is zero: give a positive duration, ${EXAMPLES}.`);
  if (duration.months * MONTH_MS + duration.ms > MAX_MS)
    throw new InputError(input, `'${raw}' is longer than 100 years: use ${DURATION_FORMS}.`);
  return duration;
}

/**
 * The moment `duration` before `at`, in UTC: the calendar months first (a day past the shorter
 * month's end becomes its last day: 31 March − 1mo = 28 or 29 February), then the fixed part.
 */
export function durationBefore(at: Date, duration: Duration): Date {
  const shifted = new Date(at.getTime());
  if (duration.months) {
    const day = at.getUTCDate();
    shifted.setUTCDate(1);
    shifted.setUTCMonth(shifted.getUTCMonth() - duration.months);
    shifted.setUTCDate(Math.min(day, daysInMonth(shifted)));
  }
  return new Date(shifted.getTime() - duration.ms);
}

/** Units the fixed part is written back in, largest first. */
const WRITTEN_UNITS: readonly [string, number][] = [
  ['w', UNIT_MS.w ?? 0],
  ['d', UNIT_MS.d ?? 0],
  ['h', UNIT_MS.h ?? 0],
  ['min', UNIT_MS.min ?? 0],
  ['s', UNIT_MS.s ?? 0],
];

/** A duration in the grammar it was read in: years and months, then the fixed part in the largest unit that divides it (`1y6mo`, `30d`, `36h`, `1mo12h`). */
export function formatDuration(duration: Duration): string {
  const { months, ms } = duration;
  const years = Math.floor(months / 12);
  const calendar = `${years ? `${years}y` : ''}${months % 12 ? `${months % 12}mo` : ''}`;
  if (!ms) return calendar || '0s';
  const [unit, size] = WRITTEN_UNITS.find(([, size]) => ms % size === 0) ?? ['ms', 1];
  return `${calendar}${ms / size}${unit}`;
}

function daysInMonth(at: Date): number {
  return new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth() + 1, 0)).getUTCDate();
}
