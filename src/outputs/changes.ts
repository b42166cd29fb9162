import type { Changes, TableChange } from '../catalog/changes.js';
import { escapeHtml } from './summary.js';
import { plural } from '../units.js';

const SHOWN = 5;

/** A count with thin groups of three and a real minus sign: `+1 204`, `−98 311`. */
export function formatDelta(delta: number): string {
  const digits = String(Math.abs(delta)).replace(/\B(?=(\d{3})+$)/g, ' ');
  return `${delta < 0 ? '−' : '+'}${digits}`;
}

/** A table as the summary names it: without `public.`. */
function shortName(t: { schema: string; name: string }): string {
  return t.schema === 'public' ? t.name : `${t.schema}.${t.name}`;
}

/**
 * One line about what changed since the previous backup, e.g.
 * `orders +1 204, sessions −98 311, schema changed: 1 table added (billing.audit) (since app-20261121T020000Z)`.
 */
export function describeChanges(c: Changes): string {
  if (c.previous === null) return 'first backup of this label: nothing to compare with';
  const rows = c.tables
    .slice(0, SHOWN)
    .map((t) => `${shortName(t)} ${formatDelta(t.after - t.before)}`);
  if (c.tables.length > SHOWN)
    rows.push(`${plural(c.tables.length - SHOWN, 'more table')} changed`);
  const parts = [rows.length ? rows.join(', ') : 'no row changes', describeSchema(c)];
  return `${parts.join(', ')} (since ${c.previous})`;
}

/** What the schema fingerprint (SHA-256 of every non-data statement of the archive) covers. */
const FINGERPRINT_COVERS =
  'columns, types, constraints, indexes, views, functions, triggers, policies, grants or other objects';

function describeSchema(c: Changes): string {
  const tables = [
    ...(c.tablesAdded.length ? [namedTables(c.tablesAdded, 'added')] : []),
    ...(c.tablesRemoved.length ? [namedTables(c.tablesRemoved, 'removed')] : []),
  ];
  const schema =
    c.schemaChanged === null ? undefined : c.schemaChanged ? 'schema changed' : 'schema unchanged';
  if (tables.length) return `${schema ?? 'schema not compared'}: ${tables.join(', ')}`;
  if (c.schemaChanged)
    return `schema changed (no table with data added or removed; a definition differs: ${FINGERPRINT_COVERS})`;
  return schema ?? 'schema not compared (a backup without fingerprint: verify none or older)';
}

/** `1 table added (billing.audit)`, `5 tables removed (a, b, c and 2 more)`. */
function namedTables(names: string[], what: string): string {
  const shown = names.slice(0, NAMED);
  const more = names.length > NAMED ? ` and ${names.length - NAMED} more` : '';
  return `${plural(names.length, 'table')} ${what} (${shown.join(', ')}${more})`;
}

/** Table names a schema change lists at most. */
const NAMED = 3;

/** The HTML table of the largest row changes, for the job summary. */
export function changesTableHtml(tables: TableChange[]): string {
  const row = (t: TableChange) =>
    `<tr><td>${escapeHtml(`${t.schema}.${t.name}`)}</td><td>${t.before}</td><td>${t.after}</td><td>${formatDelta(t.after - t.before)}</td></tr>`;
  return `<table><tr><th>Table</th><th>Before</th><th>After</th><th>Change</th></tr>${tables.map(row).join('')}</table>`;
}
