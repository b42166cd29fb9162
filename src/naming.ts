import { InputError } from './errors.js';

const LABEL = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;

/** `20261122T020000Z`: the UTC time in a backup id. */
export function formatTimestamp(date: Date): string {
  return date
    .toISOString()
    .replace(/\.\d{3}Z$/, 'Z')
    .replace(/[-:]/g, '');
}

/** `<label>-<YYYYMMDDTHHMMSSZ>`. */
export function backupId(label: string, date: Date): string {
  return `${label}-${formatTimestamp(date)}`;
}

/** The first of `id`, `id-2`, `id-3`, ... that no location has taken. */
export async function firstFreeId(
  id: string,
  isTaken: (candidate: string) => Promise<boolean>,
): Promise<string> {
  for (let n = 1; n < 1000; n += 1) {
    const candidate = n === 1 ? id : `${id}-${n}`;
    if (!(await isTaken(candidate))) return candidate;
  }
  throw new Error(`no free backup id after ${id}-999`);
}

/** A label derived from a database name: characters outside [A-Za-z0-9._-] become '-'. */
export function labelFromDatabase(database: string): string {
  const label = database
    .replace(/[^A-Za-z0-9._-]+/g, '-')
    .replace(/^[-._]+/, '')
    .slice(0, 63);
  return label || 'db';
}

/** Validates a user-given label. */
export function checkLabel(input: string, label: string): string {
  if (!LABEL.test(label)) {
    throw new InputError(
      input,
      `'${label}' is not a valid label: use letters, digits, '.', '_' and '-' (up to 63, starting with a letter or digit).`,
    );
  }
  return label;
}

/** The data object's file name. */
export function dataObjectName(id: string, extension: string): string {
  return `${id}${extension}`;
}

/** The manifest's file name. */
export function manifestName(id: string): string {
  return `${id}.manifest.json`;
}
