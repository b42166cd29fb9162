import { InputError } from '../errors.js';
import type { ObjectLock, StorageLocation } from '../settings.js';
import { INPUTS, oneOf, type Read } from './read.js';

/**
 * `s3-object-lock-mode` (GOVERNANCE or COMPLIANCE; empty = none) with `s3-object-lock-days` (a whole
 * number of at least 1): both or neither, and only with an s3:// location.
 */
export function readObjectLock(read: Read, storage: StorageLocation[]): ObjectLock | undefined {
  const rawMode = read(INPUTS.s3ObjectLockMode);
  const rawDays = read(INPUTS.s3ObjectLockDays);
  if (!rawMode && !rawDays) return undefined;
  if (!rawMode)
    throw new InputError(
      INPUTS.s3ObjectLockDays,
      `is set but s3-object-lock-mode is empty: set it to GOVERNANCE or COMPLIANCE.`,
    );
  const mode = oneOf(INPUTS.s3ObjectLockMode, rawMode.toLowerCase(), [
    'governance',
    'compliance',
  ] as const);
  const days = Number(rawDays);
  if (!/^\d+$/.test(rawDays) || !Number.isSafeInteger(days) || days < 1)
    throw new InputError(
      INPUTS.s3ObjectLockDays,
      `'${rawDays}' is not a whole number of days of at least 1: how long each object of a backup cannot be deleted.`,
    );
  if (!storage.some((l) => l.kind === 's3'))
    throw new InputError(
      INPUTS.s3ObjectLockMode,
      'needs an s3:// storage location (Object Lock is an S3 feature).',
    );
  return { mode: mode === 'governance' ? 'GOVERNANCE' : 'COMPLIANCE', days };
}
