// The repository and its action.yml, as the tests see them: one definition of each.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseActionDefaults, readerFrom, type Read } from '../../src/inputs/read.js';

/** The repository root. */
export const REPO = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The text of the real action.yml. */
export const ACTION_YML = readFileSync(join(REPO, 'action.yml'), 'utf8');

/** The defaults of the real action.yml, parsed by the production parser. */
export const DEFAULTS = parseActionDefaults(ACTION_YML);

/**
 * A reader over `given` with action.yml's defaults, built like production's: values are trimmed
 * (as @actions/core does) and an empty or unset value takes the default.
 */
export function readerOf(given: Record<string, string>): Read {
  return readerFrom((name) => (given[name] ?? '').trim(), DEFAULTS);
}

/**
 * A reader where nothing falls back to a default: what the readers see when action.yml's defaults
 * cannot be found (a run of the bundle away from its action.yml), so blank values reach them.
 */
export function rawReaderOf(given: Record<string, string>): Read {
  const values = { ...DEFAULTS, ...given };
  return (name) => (values[name] ?? '').trim();
}
