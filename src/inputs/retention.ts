import { InputError } from '../errors.js';
import type { RetentionPolicy } from '../settings.js';
import { parseDuration } from './duration.js';
import { INPUTS, type Read } from './read.js';

/** The counted rules and their inputs, in the order they are reported. */
const COUNTED = [
  ['last', INPUTS.keepLast],
  ['daily', INPUTS.keepDaily],
  ['weekly', INPUTS.keepWeekly],
  ['monthly', INPUTS.keepMonthly],
  ['yearly', INPUTS.keepYearly],
] as const;

/** Every retention input, for messages. */
export const RETENTION_INPUTS: readonly string[] = [
  ...COUNTED.map(([, input]) => input),
  INPUTS.keepWithin,
];

/** The keep-* inputs as a policy; undefined when none is set (there is never a default policy). */
export function readRetentionPolicy(read: Read): RetentionPolicy | undefined {
  const policy: RetentionPolicy = {};
  for (const [rule, input] of COUNTED) {
    const raw = read(input);
    if (raw) policy[rule] = parseKeepCount(input, raw);
  }
  const within = read(INPUTS.keepWithin);
  if (within) policy.withinMs = parseKeepWithin(within);
  return Object.keys(policy).length ? policy : undefined;
}

/** A keep-last/daily/weekly/monthly/yearly value: a whole number of at least 1. */
export function parseKeepCount(input: string, raw: string): number {
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || !Number.isSafeInteger(value) || value < 1) {
    throw new InputError(
      input,
      `'${raw}' is not a whole number of at least 1: give how many to keep, or leave it empty.`,
    );
  }
  return value;
}

/**
 * A keep-within duration in milliseconds, in the action's one duration grammar (`parseDuration`:
 * `30d`, `12h`, `1d12h`, `90min`, `2w`, `3600s`), except that `m` is refused here: restic's
 * keep-within reads `m` as months, so `6m` would silently keep six minutes. Months and years have
 * no fixed length: write days or weeks.
 */
export function parseKeepWithin(raw: string): number {
  if (/^(\d+[a-z]+)+$/i.test(raw) && /\d+(m|mo|y)(?=\d|$)/i.test(raw)) {
    throw new InputError(
      INPUTS.keepWithin,
      `'${raw}': months and years have no fixed length (and restic reads 'm' as months): write days or weeks (e.g. 180d, 52w), or minutes as 'min' (e.g. 90min).`,
    );
  }
  return parseDuration(INPUTS.keepWithin, raw);
}
