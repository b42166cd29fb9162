import { InputError } from '../errors.js';
import type { CheckSettings, StorageLocation } from '../settings.js';
import { readLabel, readStorage } from './common.js';
import { parseDuration } from '../duration.js';
import { INPUTS, type Mask, type Read } from './read.js';
import { readStoreOptions } from './storage.js';

/** All check settings, validated: at least one of max-age and size-tolerance is set. */
export function readCheckSettings(read: Read, mask: Mask, cwd: string): CheckSettings {
  const maxAge = read(INPUTS.maxAge);
  const tolerance = read(INPUTS.sizeTolerance);
  const unverified = read(INPUTS.maxUnverifiedAge);
  if (!maxAge && !tolerance && !unverified) {
    throw new InputError(
      `${INPUTS.maxAge}', '${INPUTS.sizeTolerance}' and '${INPUTS.maxUnverifiedAge}`,
      'are all empty: check needs at least one, e.g. max-age: 26h (the newest backup finished at most 26 hours ago), size-tolerance: 50 (its size within 50% of the previous one) and/or max-unverified-age: 8d (a verify passed within 8 days).',
    );
  }
  const storage = firstStorage(read, cwd);
  const settings: CheckSettings = {
    storage,
    label: readLabel(read, mask),
    maxAge: maxAge ? parseDuration(INPUTS.maxAge, maxAge) : undefined,
    sizeTolerance: tolerance ? parseSizeTolerance(tolerance) : undefined,
    maxUnverifiedAge: unverified ? parseDuration(INPUTS.maxUnverifiedAge, unverified) : undefined,
  };
  return { ...settings, ...readStoreOptions(read, mask, [storage]) };
}

/** The `size-tolerance` input: a percentage from 0 to 1000, decimals allowed, `%` optional. */
export function parseSizeTolerance(raw: string): number {
  const value = raw.trim().replace(/\s*%$/, '');
  const percent = Number(value);
  if (!/^\d+(\.\d+)?$/.test(value) || percent > 1000) {
    throw new InputError(
      INPUTS.sizeTolerance,
      `'${raw}' is not a percentage from 0 to 1000: use a number such as 50 or 12.5 (the allowed change in size against the previous backup).`,
    );
  }
  return percent;
}

function firstStorage(read: Read, cwd: string): StorageLocation {
  const [first] = readStorage(read, cwd);
  if (!first) throw new InputError(INPUTS.storage, 'is empty: give the location to check.');
  return first;
}
