import type { TableRows } from './archive-facts.js';
import type { Manifest } from './manifest.js';

/** One table's rows in the previous backup and in this one (0 when it is not in one of them). */
export interface TableChange {
  schema: string;
  name: string;
  before: number;
  after: number;
}

/** What changed since the previous backup of the label: the `changes` output. */
export interface Changes {
  /** The previous backup's id; null for the first backup of the label (or an unreadable one). */
  previous: string | null;
  /** `schema.name` of the tables this backup has and the previous one had not. */
  tablesAdded: string[];
  /** `schema.name` of the tables the previous backup had and this one has not. */
  tablesRemoved: string[];
  rowsBefore: number;
  rowsAfter: number;
  /** Whether the schema fingerprints differ; null when one of the two backups has none. */
  schemaChanged: boolean | null;
  /** The largest row changes (by absolute delta, at most {@link MAX_TABLE_CHANGES}). */
  tables: TableChange[];
}

/** How many table changes `tables` holds at most. */
export const MAX_TABLE_CHANGES = 20;

/**
 * Compares a backup with the previous backup of its label. Tables and rows are compared only when
 * both archives were verified (rows counted); without a previous backup nothing is compared.
 */
export function compareWith(previous: Manifest | undefined, current: Manifest): Changes {
  const rowsAfter = current.totalRows;
  if (!previous) {
    const none = { tablesAdded: [], tablesRemoved: [], tables: [] };
    return { previous: null, ...none, rowsBefore: 0, rowsAfter, schemaChanged: null };
  }
  const counted = [previous, current].every((m) => m.verification.archive === 'passed');
  const before = rowsByTable(counted ? previous.tables : []);
  const after = rowsByTable(counted ? current.tables : []);
  const changes = [...new Set([...before.keys(), ...after.keys()])].map((key) => {
    const [schema, name] = JSON.parse(key) as [string, string];
    return { schema, name, before: before.get(key) ?? 0, after: after.get(key) ?? 0 };
  });
  return {
    previous: previous.id,
    tablesAdded: namesOf([...after.keys()].filter((key) => !before.has(key))),
    tablesRemoved: namesOf([...before.keys()].filter((key) => !after.has(key))),
    rowsBefore: previous.totalRows,
    rowsAfter,
    schemaChanged:
      previous.schema && current.schema ? previous.schema.sha256 !== current.schema.sha256 : null,
    tables: largest(changes),
  };
}

/** Rows per table keyed by JSON `[schema, name]` (names may hold dots); repeated entries add up. */
function rowsByTable(tables: TableRows[]): Map<string, number> {
  const rows = new Map<string, number>();
  for (const t of tables) {
    const key = JSON.stringify([t.schema, t.name]);
    rows.set(key, (rows.get(key) ?? 0) + t.rows);
  }
  return rows;
}

function namesOf(keys: string[]): string[] {
  return keys.map((key) => (JSON.parse(key) as [string, string]).join('.')).sort();
}

/** The changes with a row delta, largest absolute delta first (ties by name), at most 20. */
function largest(changes: TableChange[]): TableChange[] {
  const delta = (c: TableChange) => Math.abs(c.after - c.before);
  const name = (c: TableChange) => `${c.schema}.${c.name}`;
  return changes
    .filter((c) => delta(c) > 0)
    .sort((a, b) => delta(b) - delta(a) || (name(a) < name(b) ? -1 : name(a) > name(b) ? 1 : 0))
    .slice(0, MAX_TABLE_CHANGES);
}
