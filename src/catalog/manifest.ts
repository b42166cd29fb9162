import { ActionError } from '../errors.js';
import type { Anomaly, Hold } from './anomalies.js';
import type { BackupLock } from './lock.js';
import { tableKey } from '../postgres/archive-toc.js';
import { belongsTo, ID_PATTERN, isGlobalsOf, recoveryName } from './naming.js';
import type { SchemaFingerprint, TableRows } from './archive-facts.js';

export type { ArchiveNeeds, SchemaFingerprint, TableRows } from './archive-facts.js';

/** The manifest written last, next to the data object (`manifestVersion` 1). */
export interface Manifest {
  manifestVersion: 1;
  id: string;
  label: string;
  createdAt: string;
  finishedAt: string;
  tool: { name: string; version: string };
  server: { version: string; versionNum: number; database: string };
  client: { pgDumpVersion: string };
  dump: { format: string; compression: string; jobs: number; args: string[] };
  encryption: { scheme: 'age' | 'none'; recipients?: string[]; passphrase?: true };
  object: { key: string; size: number; sha256: string };
  tables: TableRows[];
  totalRows: number;
  /** The schema fingerprint, when the archive was verified (absent in older manifests). */
  schema?: SchemaFingerprint;
  verification: { archive: 'passed' | 'skipped' };
  labels: Record<string, string>;
  /** Roles and tablespaces (pg_dumpall --globals-only), when the backup has them. */
  globals?: GlobalsObject;
  /** What the comparison with the previous backup flagged; absent when nothing was compared. */
  anomalies?: Anomaly[];
  /** The recovery document beside the backup (absent in older manifests). */
  recovery?: StoredObject;
  /** The S3 Object Lock every object of the backup was written with. */
  lock?: BackupLock;
  /** The retention hold this backup carries: while the newest backup has one, nothing expires. */
  hold?: Hold;
}

/** A small object of a backup as stored: its name, bytes and SHA-256. */
export interface StoredObject {
  key: string;
  size: number;
  sha256: string;
}

/** The globals object of a backup; `rolePasswords` false when they were left out (no pg_authid). */
export interface GlobalsObject {
  key: string;
  size: number;
  sha256: string;
  rolePasswords: boolean;
}

/** The manifest as stored: pretty JSON with a trailing newline. */
export function serializeManifest(manifest: Manifest): string {
  return `${JSON.stringify(manifest, null, 2)}\n`;
}

const FORMATS = ['custom', 'plain', 'directory', 'tar'];

/** Parses and checks a stored manifest; `where` names it in errors. */
export function parseManifest(text: string, where: string): Manifest {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new ActionError(
      `The manifest ${where} is not valid JSON: it is damaged or not a manifest.`,
    );
  }
  const problem = manifestProblem(value);
  if (problem) {
    const key = JSON.stringify(field(field(value, 'object'), 'key'));
    const detail = problem.replace('object.key is', `object.key ${key} is`);
    throw new ActionError(`The manifest ${where} is not a valid manifest: ${detail}.`);
  }
  return value as Manifest;
}

type Check = [string, (m: Record<string, unknown>) => boolean];

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const field = (v: unknown, key: string): unknown => (isObject(v) ? v[key] : undefined);
const isCount = (v: unknown) => Number.isSafeInteger(v) && (v as number) >= 0;
const isText = (v: unknown) => typeof v === 'string' && v.length > 0;
const isTime = (v: unknown) => typeof v === 'string' && !Number.isNaN(Date.parse(v));
// A key read from a manifest is joined to local paths and prefixes: only `<id>.<ext>` names pass
// (no separator, scheme or drive can appear in them, so `..` inside a name is only a name).
const isOwnName = (key: string, id: string) =>
  /^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(key) && belongsTo(key, id);
const isTable = (t: unknown) =>
  isText(field(t, 'schema')) && isText(field(t, 'name')) && isCount(field(t, 'rows'));

const CHECKS: Check[] = [
  ['manifestVersion must be 1', (m) => m.manifestVersion === 1],
  ['id is not a backup id', (m) => typeof m.id === 'string' && ID_PATTERN.test(m.id)],
  ['label is missing', (m) => isText(m.label)],
  ['createdAt is not a time', (m) => isTime(m.createdAt)],
  ['finishedAt is not a time', (m) => isTime(m.finishedAt)],
  ['client.pgDumpVersion is missing', (m) => isText(field(m.client, 'pgDumpVersion'))],
  ['dump.format is unknown', (m) => FORMATS.includes(field(m.dump, 'format') as string)],
  [
    'encryption.scheme is unknown',
    (m) => ['age', 'none'].includes(field(m.encryption, 'scheme') as string),
  ],
  ['object.key is missing', (m) => isText(field(m.object, 'key'))],
  [
    'object.key is refused: it must be a file name of this backup inside the location (no path, scheme or ..)',
    (m) => isOwnName(text(field(m.object, 'key')), text(m.id)),
  ],
  ['object.size is not a byte count', (m) => isCount(field(m.object, 'size'))],
  ['object.sha256 is not a SHA-256', (m) => /^[0-9a-f]{64}$/.test(text(field(m.object, 'sha256')))],
  [
    'tables is not a list of {schema, name, rows}',
    (m) => Array.isArray(m.tables) && m.tables.every(isTable),
  ],
  ['totalRows is not a count', (m) => isCount(m.totalRows)],
  [
    'schema is not {sha256, objects}',
    (m) =>
      m.schema === undefined ||
      (/^[0-9a-f]{64}$/.test(text(field(m.schema, 'sha256'))) &&
        isCount(field(m.schema, 'objects'))),
  ],
  [
    'globals is not {key, size, sha256, rolePasswords}, or its key is not a globals file of this backup',
    (m) => m.globals === undefined || isGlobals(m.globals, text(m.id)),
  ],
  [
    "recovery is not {key, size, sha256} of this backup's recovery document",
    (m) =>
      m.recovery === undefined ||
      (field(m.recovery, 'key') === recoveryName(text(m.id)) &&
        isCount(field(m.recovery, 'size')) &&
        /^[0-9a-f]{64}$/.test(text(field(m.recovery, 'sha256')))),
  ],
  [
    'lock is not {mode: GOVERNANCE | COMPLIANCE, retainUntil: a time}',
    (m) =>
      m.lock === undefined ||
      (['GOVERNANCE', 'COMPLIANCE'].includes(text(field(m.lock, 'mode'))) &&
        isTime(field(m.lock, 'retainUntil'))),
  ],
  [
    'anomalies is not a list of {kind, detail}',
    (m) =>
      m.anomalies === undefined ||
      (Array.isArray(m.anomalies) &&
        m.anomalies.every((a) => isText(field(a, 'kind')) && isText(field(a, 'detail')))),
  ],
  [
    'hold is not {since: a backup id, reason}',
    (m) =>
      m.hold === undefined ||
      (ID_PATTERN.test(text(field(m.hold, 'since'))) && isText(field(m.hold, 'reason'))),
  ],
];

function isGlobals(g: unknown, id: string): boolean {
  const key = text(field(g, 'key'));
  return (
    isOwnName(key, id) &&
    isGlobalsOf(key, id) &&
    isCount(field(g, 'size')) &&
    /^[0-9a-f]{64}$/.test(text(field(g, 'sha256'))) &&
    typeof field(g, 'rolePasswords') === 'boolean'
  );
}

function manifestProblem(value: unknown): string | undefined {
  if (!isObject(value)) return 'it is not a JSON object';
  return CHECKS.find(([, ok]) => !ok(value))?.[0];
}

/** The manifest tables a restore of these schemas and tables brings back (as pg_restore -n/-t select). */
export function selectedTables(
  manifest: Manifest,
  s: { schemas: string[]; tables: string[] },
): TableRows[] {
  const schemas = new Set(s.schemas);
  const names = new Set<string>();
  for (const table of s.tables) {
    const dot = table.lastIndexOf('.');
    if (dot > 0) schemas.add(table.slice(0, dot));
    names.add(dot > 0 ? table.slice(dot + 1) : table);
  }
  return manifest.tables.filter(
    (t) => (schemas.size === 0 || schemas.has(t.schema)) && (names.size === 0 || names.has(t.name)),
  );
}

/** The manifest tables whose data a restore plan brings back (names as the archive's TOC has them). */
export function plannedTables(
  manifest: Manifest,
  plan: { tables: { schema: string; name: string }[] },
): TableRows[] {
  const wanted = new Set(plan.tables.map((t) => tableKey(t.schema, t.name)));
  return manifest.tables.filter((t) => wanted.has(tableKey(t.schema, t.name)));
}

/** One table's rows: as the manifest recorded them and as the target has them now. */
export interface RowComparison {
  table: string;
  expected: number;
  /** -1 when the table is missing from the target. */
  restored: number;
}

/** The row comparison after a restore. */
export interface Comparison {
  /** False when rows were not restored (schema-only), so nothing could be compared. */
  compared: boolean;
  rows: RowComparison[];
  mismatches: RowComparison[];
}

/** Compares counted rows (in the order of `tables`) with the manifest's. */
export function compareCounts(tables: TableRows[], counts: number[]): Comparison {
  const rows = tables.map((t, i) => ({
    table: `${t.schema}.${t.name}`,
    expected: t.rows,
    restored: counts[i] ?? -1,
  }));
  return { compared: true, rows, mismatches: rows.filter((r) => r.expected !== r.restored) };
}

/** A field as text for a check: a string as it is, anything else '' (a planted object must not throw). */
function text(value: unknown): string {
  return typeof value === 'string' ? value : '';
}
