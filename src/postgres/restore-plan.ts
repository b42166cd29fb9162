import { tableKey, type TocEntry } from './archive-toc.js';
import { actingRoles } from './toc-roles.js';
import { locksNeeded } from './lock-budget.js';
import {
  leftOut,
  replacedExtensionData,
  withoutEmptyExtensionData,
  type ArchiveRows,
} from './extension-data.js';
import { missingForEntries, resolveOwners, resolvePrivileges } from './restore-needs.js';
import type { TargetFacts } from './target-facts.js';

import type { AutoBool } from '../settings.js';
import type { RestoreSelection } from './pg-restore.js';

/** What the user asked to restore, as the plan reads it: the selection, with `auto` unresolved. */
export type PlanRequest = Pick<
  RestoreSelection,
  'schemas' | 'tables' | 'schemaOnly' | 'dataOnly' | 'clean'
> & {
  noOwner: AutoBool;
  noPrivileges: AutoBool;
  /** pg_restore --jobs into a new database: not one transaction, so no lock budget. */
  parallel?: boolean;
};

export type { ArchiveRows } from './extension-data.js';

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
  /**
   * Extension configuration tables whose rows the archive replaces (overwrite): the target's rows
   * that pg_dump's filter selects are deleted first (cron jobs would otherwise be duplicates).
   */
  extensionData: { schema: string; name: string; filter: string }[];
  /** Relations the restore creates, whose privileges are reset to the archive's (schema.name). */
  relations: { schema: string; name: string; sequence: boolean }[];
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
  const ctx: Context = { byId, selected, f: facts, clean: req.clean };
  const kept = toc.filter((e) => selected.has(e.dumpId) && keep(e, ctx, skipped));
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
    extensionData: req.clean ? replacedExtensionData(toc, keptIds, facts) : [],
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

/** What deciding one entry needs. */
interface Context {
  byId: Map<number, TocEntry>;
  selected: Set<number>;
  f: TargetFacts;
  clean: boolean;
}

/** Whether an entry is restored; records why when it is not. */
function keep(e: TocEntry, ctx: Context, skipped: SkippedEntry[]): boolean {
  const reason = skipReason(e, ctx);
  if (reason) skipped.push({ entry: describe(e), reason });
  return !reason;
}

/** `TABLE public.orders`, `EXTENSION postgis`, `COMMENT EXTENSION postgis`. */
export function describe(e: TocEntry): string {
  return `${e.desc} ${e.namespace ? `${e.namespace}.` : ''}${e.tag}`;
}

function skipReason(e: TocEntry, ctx: Context): string | undefined {
  const { f } = ctx;
  if (e.desc === 'EXTENSION' && f.extensions.has(e.tag)) return 'already installed on the target';
  if (e.desc === 'SCHEMA' && f.schemas.has(e.tag)) return 'already exists on the target';
  if (e.desc === 'EVENT TRIGGER' && !f.superuser) return 'only a superuser can create it';
  if (e.desc === 'EVENT TRIGGER' && f.eventTriggers.has(e.tag) && !ctx.clean)
    return 'already exists on the target (used as it is)';
  const acting = needsActing(e, f);
  if (acting.length) return `it acts as ${acting.join(', ')}, which this user is not a member of`;
  const routine = routineReason(e, ctx);
  if (routine) return routine;
  if (!OBJECT_OF_NOTE.test(e.desc)) return undefined;
  const object = noteTarget(e, ctx);
  if (object === 'restored') return undefined;
  if (f.superuser || f.actsAs(e.owner)) return undefined;
  return `it belongs to ${object}, owned by ${e.owner || 'another role'}, which this user cannot change`;
}

const ROUTINES = new Set(['FUNCTION', 'PROCEDURE', 'AGGREGATE']);

/**
 * A function in a schema the target already has (a provider's `extensions`, with its event
 * trigger's function): used as it is when it exists and this run would not replace it, and left
 * out when this user may not create objects there.
 */
function routineReason(e: TocEntry, { f, clean }: Context): string | undefined {
  const schema = f.schemas.get(e.namespace);
  if (!ROUTINES.has(e.desc) || !schema || e.namespace === 'public') return undefined;
  const paren = e.tag.indexOf('(');
  const name = paren < 0 ? e.tag : e.tag.slice(0, paren);
  if (f.routines.has(tableKey(e.namespace, name)) && (!clean || !f.actsAs(e.owner)))
    return 'already exists on the target (used as it is)';
  if (!f.superuser && !schema.create)
    return `this user may not create objects in schema ${e.namespace}`;
  return undefined;
}

/**
 * What a comment, privilege or label is on: an object this restore creates, or one that is
 * already there (a provider's extension or schema, or an extension's member the archive has no
 * entry for).
 */
function noteTarget(e: TocEntry, ctx: Context): string {
  const { f } = ctx;
  const [first] = e.deps;
  const object = first === undefined ? undefined : ctx.byId.get(first);
  if (object && ctx.selected.has(object.dumpId) && !skipReason(object, ctx)) return 'restored';
  if (e.desc !== 'ACL' && /^EXTENSION /.test(e.tag)) return `the existing ${e.tag.toLowerCase()}`;
  if (/^SCHEMA /.test(e.tag) && f.schemas.get(e.tag.slice(7))?.mine) return 'restored';
  return `the existing ${e.tag}`;
}

/** The roles an entry's grants act as (FOR ROLE, SET SESSION AUTHORIZATION) that this user cannot. */
function needsActing(e: TocEntry, f: TargetFacts): string[] {
  return actingRoles(e).filter((r) => !f.superuser && !f.actsAs(r));
}
