import { InputError } from '../errors.js';
import type { RetentionPolicy } from '../settings.js';
import { parseDuration, type Duration } from '../duration.js';
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
  if (within) policy.within = parseKeepWithin(within);
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
 * A keep-within duration in the action's one duration grammar (`parseDuration`: `30d`, `12h`,
 * `1d12h`, `90m`, `6mo`, `1y`); `m` is minutes, as in every duration input.
 */
export function parseKeepWithin(raw: string): Duration {
  return parseDuration(INPUTS.keepWithin, raw);
}
