import type { TocEntry } from './archive-toc.js';
import { actingRoles } from './toc-roles.js';
import { locksNeeded } from './lock-budget.js';
import { missingForEntries, resolveOwners, resolvePrivileges } from './restore-needs.js';
import type { TargetFacts } from './target-facts.js';

import type { AutoBool } from '../settings.js';

/** What the user asked to restore, as the plan reads it. */
export interface PlanRequest {
  schemas: string[];
  tables: string[];
  schemaOnly: boolean;
  dataOnly: boolean;
  noOwner: AutoBool;
  noPrivileges: AutoBool;
  /** overwrite: the listed entries are dropped first. */
  clean: boolean;
  /** pg_restore --jobs into a new database: not one transaction, so no lock budget. */
  parallel?: boolean;
}

/** Rows per table in the archive (`schema\u0000name`), as the manifest counted them. */
export type ArchiveRows = Map<string, number>;

/** An entry the restore leaves out, and why (reported in one warning). */
export interface SkippedEntry {
  entry: string;
  reason: string;
}

/** The restore, decided from the archive's TOC and the target's catalog before anything changes. */
export interface RestorePlan {
  /** Dump ids to restore, in the archive's order (pg_restore --use-list). */
  entries: number[];
  skipped: SkippedEntry[];
  noOwner: boolean;
  noPrivileges: boolean;
  /** Why owners / privileges were kept or left out (for the log and the summary). */
  ownership: string;
  /** What the target lacks; any makes the restore fail before it starts. */
  problems: string[];
  /** Relation locks one transaction restoring it holds until COMMIT (0 for a parallel restore). */
  locks: number;
  /** What a selection leaves out that the archive has (large objects, extension data). */
  leftOut: string[];
  /** Tables whose data the restore brings: what the row counts are compared on. */
  tables: { schema: string; name: string }[];
  /** Relations the restore creates, whose privileges are reset to the archive's (schema.name). */
  relations: { schema: string; name: string; sequence: boolean }[];
}

/**
 * An extension's configuration table with no rows of its own in the archive (PostGIS's
 * spatial_ref_sys, pg_partman's config before use) has nothing to restore, and a user who may not
 * write the provider's table could not restore even its empty COPY.
 */
function withoutEmptyExtensionData(
  toc: TocEntry[],
  selected: Set<number>,
  rows: ArchiveRows,
): Set<number> {
  for (const e of extensionData(toc))
    if (rows.get(`${e.namespace}\u0000${e.tag}`) === 0) selected.delete(e.dumpId);
  return selected;
}

/** TABLE DATA of tables the archive does not create: extensions' configuration tables. */
function extensionData(toc: TocEntry[]): TocEntry[] {
  const tables = new Set(
    toc.filter((t) => t.desc === 'TABLE').map((t) => `${t.namespace}\u0000${t.tag}`),
  );
  return toc.filter((e) => e.desc === 'TABLE DATA' && !tables.has(`${e.namespace}\u0000${e.tag}`));
}

/** Entries pg_restore always handles itself. */
const SPECIAL = new Set(['ENCODING', 'STDSTRINGS', 'SEARCHPATH']);
const DATA = new Set(['TABLE DATA', 'SEQUENCE SET', 'BLOBS', 'LARGE OBJECT', 'STATISTICS DATA']);
const RELATIONS = new Set(['TABLE', 'VIEW', 'MATERIALIZED VIEW', 'SEQUENCE', 'FOREIGN TABLE']);
/** Parts of a table named `<table> <part>` in their tag. */
const NAMED_PARTS = new Set([
  'CONSTRAINT',
  'FK CONSTRAINT',
  'TRIGGER',
  'POLICY',
  'RULE',
  'DEFAULT',
]);
/** Parts of a table that depend on it and are named on their own. */
const OWN_PARTS = new Set([
  'TABLE DATA',
  'INDEX',
  'INDEX ATTACH',
  'TABLE ATTACH',
  'ROW SECURITY',
  'SEQUENCE',
  'SEQUENCE OWNED BY',
  'SEQUENCE SET',
  'STATISTICS DATA',
  'ACL',
  'COMMENT',
  'SECURITY LABEL',
  'PUBLICATION TABLE',
]);
const OBJECT_OF_NOTE = /^(COMMENT|ACL|SECURITY LABEL)$/;

/** Makes the plan: selection, provider-aware exclusions, owners and privileges, pre-flight problems. */
export function planRestore(
  toc: TocEntry[],
  req: PlanRequest,
  facts: TargetFacts,
  rows: ArchiveRows = new Map(),
): RestorePlan {
  const byId = new Map(toc.map((e) => [e.dumpId, e]));
  const selected = withoutEmptyExtensionData(toc, select(toc, req), rows);
  const skipped: SkippedEntry[] = [];
  const kept = toc.filter((e) => selected.has(e.dumpId) && keep(e, byId, selected, facts, skipped));
  const keptIds = new Set(kept.map((e) => e.dumpId));
  const problems = [...missingForEntries(kept, facts, keptIds, byId)];
  const owners = resolveOwners(kept, req.noOwner, facts);
  const privileges = resolvePrivileges(kept, req.noPrivileges, facts);
  problems.push(...owners.problems, ...privileges.problems);
  return {
    entries: kept.map((e) => e.dumpId),
    skipped,
    noOwner: owners.leaveOut,
    noPrivileges: privileges.leaveOut,
    ownership: `${owners.note}; ${privileges.note}`,
    problems,
    locks: req.parallel ? 0 : locksNeeded(kept, req.clean),
    leftOut: leftOut(toc, selected, rows),
    tables: kept.filter((e) => e.desc === 'TABLE DATA').map(tableOf),
    relations: kept.filter((e) => RELATIONS.has(e.desc) && isCreate(e)).map(relationOf),
  };
}

const tableOf = (e: TocEntry) => ({ schema: e.namespace, name: e.tag });
const relationOf = (e: TocEntry) => ({ ...tableOf(e), sequence: e.desc === 'SEQUENCE' });
/** An identity column's SEQUENCE entry alters its table; any other creates the relation. */
const isCreate = (e: TocEntry) => !/^ALTER TABLE /.test(e.defn);

/** The entries the request selects: all, a schema's, or whole tables with their parts. */
function select(toc: TocEntry[], req: PlanRequest): Set<number> {
  let ids = toc.map((e) => e.dumpId);
  if (req.tables.length) ids = [...wholeTables(toc, req.tables)];
  else if (req.schemas.length) {
    const schemas = new Set(req.schemas);
    ids = toc.filter((e) => schemas.has(e.namespace) || SPECIAL.has(e.desc)).map((e) => e.dumpId);
  }
  const byId = new Map(toc.map((e) => [e.dumpId, e]));
  return new Set(ids.filter((id) => sectionWanted(byId.get(id), req)));
}

function sectionWanted(e: TocEntry | undefined, req: PlanRequest): boolean {
  if (!e) return false;
  if (SPECIAL.has(e.desc)) return true;
  const data = DATA.has(e.desc);
  return req.schemaOnly ? !data : req.dataOnly ? data : true;
}

/** Each named table (`schema.name` or `name`) with everything that belongs to it, partitions too. */
function wholeTables(toc: TocEntry[], names: string[]): Set<number> {
  const wanted = names.map((n) => {
    const dot = n.lastIndexOf('.');
    return dot > 0 ? { schema: n.slice(0, dot), name: n.slice(dot + 1) } : { name: n };
  });
  const tables = toc.filter(
    (e) =>
      RELATIONS.has(e.desc) &&
      isCreate(e) &&
      wanted.some((w) => w.name === e.tag && (!w.schema || w.schema === e.namespace)),
  );
  const chosen = new Set(
    [...toc.filter((e) => SPECIAL.has(e.desc)), ...tables].map((e) => e.dumpId),
  );
  return closeOver(toc, chosen, new Set(tables.map((t) => t.dumpId)));
}

/** Adds, until nothing changes, the parts and partitions of the chosen tables. */
function closeOver(toc: TocEntry[], chosen: Set<number>, tables: Set<number>): Set<number> {
  for (let grew = true; grew;) {
    grew = false;
    for (const e of toc) {
      if (chosen.has(e.dumpId) || !e.deps.some((d) => chosen.has(d))) continue;
      if (!partOf(e, toc, tables, chosen)) continue;
      chosen.add(e.dumpId);
      if (e.desc === 'TABLE') tables.add(e.dumpId);
      grew = true;
    }
  }
  return chosen;
}

function partOf(e: TocEntry, toc: TocEntry[], tables: Set<number>, chosen: Set<number>): boolean {
  if (e.desc === 'TABLE') return e.deps.some((d) => tables.has(d)); // a partition or child
  if (OWN_PARTS.has(e.desc)) return e.deps.some((d) => chosen.has(d));
  if (!NAMED_PARTS.has(e.desc)) return false;
  // A foreign key of another table that points at a chosen one is that other table's part.
  return toc.some(
    (t) => tables.has(t.dumpId) && t.namespace === e.namespace && e.tag.startsWith(`${t.tag} `),
  );
}

/** Whether an entry is restored; records why when it is not. */
function keep(
  e: TocEntry,
  byId: Map<number, TocEntry>,
  selected: Set<number>,
  facts: TargetFacts,
  skipped: SkippedEntry[],
): boolean {
  const reason = skipReason(e, byId, selected, facts);
  if (reason) skipped.push({ entry: describe(e), reason });
  return !reason;
}

/** `TABLE public.orders`, `EXTENSION postgis`, `COMMENT EXTENSION postgis`. */
export function describe(e: TocEntry): string {
  return `${e.desc} ${e.namespace ? `${e.namespace}.` : ''}${e.tag}`;
}

function skipReason(
  e: TocEntry,
  byId: Map<number, TocEntry>,
  selected: Set<number>,
  f: TargetFacts,
): string | undefined {
  if (e.desc === 'EXTENSION' && f.extensions.has(e.tag)) return 'already installed on the target';
  if (e.desc === 'SCHEMA' && f.schemas.has(e.tag)) return 'already exists on the target';
  if (e.desc === 'EVENT TRIGGER' && !f.superuser) return 'only a superuser can create it';
  const acting = needsActing(e, f);
  if (acting.length) return `it acts as ${acting.join(', ')}, which this user is not a member of`;
  if (!OBJECT_OF_NOTE.test(e.desc)) return undefined;
  const object = noteTarget(e, byId, selected, f);
  if (object === 'restored') return undefined;
  if (f.superuser || f.actsAs(e.owner)) return undefined;
  return `it belongs to ${object}, owned by ${e.owner || 'another role'}, which this user cannot change`;
}

/**
 * What a comment, privilege or label is on: an object this restore creates, or one that is
 * already there (a provider's extension or schema, or an extension's member the archive has no
 * entry for).
 */
function noteTarget(
  e: TocEntry,
  byId: Map<number, TocEntry>,
  selected: Set<number>,
  f: TargetFacts,
): string {
  const [first] = e.deps;
  const object = first === undefined ? undefined : byId.get(first);
  if (object && selected.has(object.dumpId) && !skipReason(object, byId, selected, f))
    return 'restored';
  if (e.desc !== 'ACL' && /^EXTENSION /.test(e.tag)) return `the existing ${e.tag.toLowerCase()}`;
  if (/^SCHEMA /.test(e.tag) && f.schemas.get(e.tag.slice(7))?.mine) return 'restored';
  return `the existing ${e.tag}`;
}

/** What a schema or table selection leaves out that a whole restore would bring. */
function leftOut(toc: TocEntry[], selected: Set<number>, rows: ArchiveRows): string[] {
  const out: string[] = [];
  const lo = toc.filter((e) => /^(BLOBS|LARGE OBJECT|BLOB METADATA)$/.test(e.desc));
  if (lo.length && !lo.some((e) => selected.has(e.dumpId))) out.push('large objects');
  const extData = extensionData(toc);
  const missed = extData
    .filter((e) => !selected.has(e.dumpId) && rows.get(`${e.namespace}\u0000${e.tag}`) !== 0)
    .map((e) => `${e.namespace}.${e.tag}`);
  if (missed.length) out.push(`extension configuration data (${missed.join(', ')})`);
  return out;
}

/** The roles an entry's grants act as (FOR ROLE, SET SESSION AUTHORIZATION) that this user cannot. */
function needsActing(e: TocEntry, f: TargetFacts): string[] {
  return actingRoles(e).filter((r) => !f.superuser && !f.actsAs(r));
}
