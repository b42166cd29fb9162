import { InputError } from '../errors.js';
import type { PruneSettings } from '../settings.js';
import { readLabel, readStorage } from './common.js';
import { INPUTS, parseBool, type Mask, type Read } from './read.js';
import { readRetentionPolicy, RETENTION_INPUTS } from './retention.js';
import { readStoreOptions } from './storage.js';

/** All prune settings, validated; at least one keep-* rule is required. */
export function readPruneSettings(read: Read, mask: Mask, cwd: string): PruneSettings {
  const [storage] = readStorage(read, cwd);
  if (!storage) throw new InputError(INPUTS.storage, 'is empty: give the location to prune.');
  const policy = readRetentionPolicy(read);
  if (!policy) {
    throw new InputError(
      RETENTION_INPUTS.join(', '),
      'none is set: prune needs at least one rule, e.g. keep-daily: 7 (nothing is ever pruned by a default policy).',
    );
  }
  const settings: PruneSettings = {
    storage,
    label: readLabel(read, mask),
    policy,
    dryRun: parseBool(INPUTS.dryRun, read(INPUTS.dryRun)),
  };
  return Object.assign(settings, readStoreOptions(read, mask, [storage]));
}
