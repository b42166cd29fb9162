// The whole grammar of backup ids and the names of their files, in one place.
import { InputError } from '../errors.js';
import type { DumpFormat } from '../settings.js';

const LABEL = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;
const STAMP = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/;
const MANIFEST_SUFFIX = '.manifest.json';
const CLAIM_SUFFIX = '.claim';
const GLOBALS_INFIX = '.globals.sql';
const VERIFIED_SUFFIX = '.verified.json';
const RECOVERY_SUFFIX = '.recovery.md';
const ID_PARTS = /^(.+)-(\d{8}T\d{6}Z)(?:-(\d+))?$/;
/** A backup's file other than its manifest: data object, globals, recovery document, verification. */
const BACKUP_FILE = new RegExp(
  String.raw`^(.+-\d{8}T\d{6}Z(?:-\d+)?)(?:(?:\.dump|\.tar|\.sql(?:\.gz|\.zst)?|\.globals\.sql(?:\.gz|\.zst)?)(?:\.age)?|\.recovery\.md|${VERIFIED_SUFFIX.replace(/\./g, '\\.')})$`,
);

/** A backup id as the user may write it: `<label>-<YYYYMMDDTHHMMSSZ>[-N]`. */
export const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]*-\d{8}T\d{6}Z(-\d+)?$/;

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

/** The n-th id of a second: `id` for 1, `id-2`, `id-3`, ... after it. */
export function serialId(id: string, n: number): string {
  return n === 1 ? id : `${id}-${n}`;
}

/** The first of `id`, `id-2`, `id-3`, ... that no location has taken. */
export async function firstFreeId(
  id: string,
  isTaken: (candidate: string) => Promise<boolean>,
): Promise<string> {
  for (let n = 1; n < 1000; n += 1) {
    const candidate = serialId(id, n);
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

/** The action's own compression of a plain dump's stream, as its name carries it. */
export type StreamCompression = 'gzip' | 'zstd';

/** What a data object's extension says: the dump format, the action's own compression, encryption. */
export interface ObjectShape {
  format: DumpFormat;
  /** Plain format only: the stream compression the action applies. */
  streamCompression?: StreamCompression;
  encrypted: boolean;
}

/**
 * The data object's extension: `.dump` (custom), `.tar` (tar, and directory as a tar), `.sql`,
 * `.sql.gz` or `.sql.zst` (plain), then `.age` when encrypted.
 */
export function dataExtension(shape: ObjectShape): string {
  const age = shape.encrypted ? '.age' : '';
  if (shape.format === 'custom') return `.dump${age}`;
  if (shape.format !== 'plain') return `.tar${age}`;
  const compressed = shape.streamCompression ? `.${STREAM_SUFFIX[shape.streamCompression]}` : '';
  return `.sql${compressed}${age}`;
}

const STREAM_SUFFIX: Record<StreamCompression, string> = { gzip: 'gz', zstd: 'zst' };

/** The stream compression a plain dump's name (`.sql.gz`, `.sql.zst`, with or without `.age`) tells. */
export function streamCompressionOf(key: string): StreamCompression | undefined {
  const suffix = /\.sql\.(gz|zst)(?:\.age)?$/.exec(key)?.[1];
  return suffix === 'gz' ? 'gzip' : suffix === 'zst' ? 'zstd' : undefined;
}

/** The globals object's file name: `<id>.globals.sql` plus the plain-dump stages (`.gz`, `.zst`, `.age`). */
export function globalsObjectName(id: string, plainExtension: string): string {
  return `${id}${GLOBALS_INFIX}${plainExtension.replace(/^\.sql/, '')}`;
}

/** Whether a file name is the globals object of backup `id`. */
export function isGlobalsOf(fileName: string, id: string): boolean {
  return /^\.globals\.sql(\.gz|\.zst)?(\.age)?$/.test(
    fileName.startsWith(id) ? fileName.slice(id.length) : '',
  );
}

/** The verification record's file name: `<id>.verified.json`, written by a passed verify. */
export function verifiedName(id: string): string {
  return `${id}${VERIFIED_SUFFIX}`;
}

/** The recovery document's file name: `<id>.recovery.md`. */
export function recoveryName(id: string): string {
  return `${id}${RECOVERY_SUFFIX}`;
}

/** The manifest's file name. */
export function manifestName(id: string): string {
  return `${id}${MANIFEST_SUFFIX}`;
}

/**
 * The hidden object that claims `id` while a run dumps it: `.<id>.claim`. It starts with '.', so it
 * never belongs to a backup (`belongsTo`, `isTaken`) and is never a manifest.
 */
export function claimName(id: string): string {
  return `.${id}${CLAIM_SUFFIX}`;
}

/** Whether a file name belongs to backup `id` (its data object, manifest or globals). */
export function belongsTo(fileName: string, id: string): boolean {
  return fileName.startsWith(`${id}.`);
}

/** The name of an encrypted object once decrypted (without `.age`). */
export function plainName(key: string): string {
  return key.replace(/\.age$/, '');
}

/** A backup id split into its parts; undefined when the text is not an id. */
export interface ParsedId {
  id: string;
  label: string;
  /** The id's timestamp (whole seconds, at or before createdAt). */
  stamp: Date;
  /** The `-N` suffix, 1 when none. */
  serial: number;
}

/** Parses `<label>-<YYYYMMDDTHHMMSSZ>[-N]`; undefined when it is not a real id. */
export function parseId(id: string): ParsedId | undefined {
  const m = ID_PARTS.exec(id);
  if (!m?.[1] || !m[2]) return undefined;
  const stamp = new Date(m[2].replace(STAMP, '$1-$2-$3T$4:$5:$6Z'));
  if (Number.isNaN(stamp.getTime()) || formatTimestamp(stamp) !== m[2]) return undefined;
  return { id, label: m[1], stamp, serial: Number(m[3] ?? 1) };
}

/** The backup id of a manifest file name; undefined for other names. */
export function idOfManifest(fileName: string): string | undefined {
  return fileName.endsWith(MANIFEST_SUFFIX)
    ? fileName.slice(0, -MANIFEST_SUFFIX.length)
    : undefined;
}

/**
 * The backup id of a backup's file other than its manifest (`app-20261122T020000Z.sql.gz.age`);
 * undefined for manifests, claims and names that are no backup's file.
 */
export function idOfBackupFile(fileName: string): string | undefined {
  const id = BACKUP_FILE.exec(fileName)?.[1];
  return id && parseId(id) ? id : undefined;
}

/** Whether a file name is the manifest of a backup of `label` (ids are `<label>-<timestamp>[-N]`). */
export function isManifestOf(fileName: string, label?: string): boolean {
  const id = idOfManifest(fileName);
  if (id === undefined) return false;
  if (label === undefined) return true;
  return parseId(id)?.label === label;
}
