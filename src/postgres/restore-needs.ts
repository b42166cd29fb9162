import type { AutoBool } from '../settings.js';
import type { TocEntry } from './archive-toc.js';
import { grantRoles, policyRoles } from './toc-roles.js';
import { tableKey } from './archive-toc.js';
import type { TargetFacts } from './target-facts.js';

/** Entries whose data, not definition, they are; and entries pg_restore writes no owner for. */
const DATA = new Set(['TABLE DATA', 'SEQUENCE SET', 'BLOBS', 'LARGE OBJECT', 'STATISTICS DATA']);
const NOT_OWNED =
  /^(COMMENT|ACL|DEFAULT ACL|SECURITY LABEL|SEQUENCE OWNED BY|SEQUENCE SET|ENCODING|STDSTRINGS|SEARCHPATH|.* ATTACH)$/;

/** Schemas, extensions, publications and policy roles the kept entries need and the target lacks. */
export function* missingForEntries(
  kept: TocEntry[],
  f: TargetFacts,
  keptIds: Set<number>,
  byId: Map<number, TocEntry>,
): Generator<string> {
  yield* missingExtensions(kept, f);
  yield* missingSchemas(kept, f, byId);
  yield* missingPublications(kept, f, keptIds, byId);
  const roles = new Set(kept.filter((e) => e.desc === 'POLICY').flatMap(policyRoles));
  const missing = [...roles].filter((r) => !f.roles.has(r));
  if (missing.length)
    yield `roles that row-level security policies name and the target does not have: ${missing.join(', ')} (create them first, or restore-globals: true)`;
}

function* missingExtensions(kept: TocEntry[], f: TargetFacts): Generator<string> {
  const unavailable: string[] = [];
  const notCreatable: string[] = [];
  for (const e of kept.filter((x) => x.desc === 'EXTENSION')) {
    const ext = f.available.get(e.tag);
    if (!ext) unavailable.push(e.tag);
    else if (!f.superuser && !(ext.trusted && f.canCreate)) notCreatable.push(e.tag);
  }
  if (unavailable.length)
    yield `extensions not available on PostgreSQL ${f.serverVersion}: ${unavailable.join(', ')} (install their packages on the server, or ask the provider to enable them there)`;
  if (notCreatable.length)
    yield `extensions this user may not create: ${notCreatable.join(', ')} (${f.superuser ? '' : 'not a superuser, and '}not trusted${f.canCreate ? '' : ' or no CREATE privilege on the database'}: have a superuser or the provider's dashboard enable them in the target first, e.g. CREATE EXTENSION ${notCreatable[0]} SCHEMA extensions)`;
}

function* missingSchemas(
  kept: TocEntry[],
  f: TargetFacts,
  byId: Map<number, TocEntry>,
): Generator<string> {
  const created = new Set(kept.filter((e) => e.desc === 'SCHEMA').map((e) => e.tag));
  const fromExtensions = extensionSchemas(kept, byId);
  const needed = (ns: string) =>
    ns && ns !== 'pg_catalog' && !f.schemas.has(ns) && !created.has(ns) && !fromExtensions.has(ns);
  const schemas = new Set(kept.map((e) => e.namespace).filter(needed));
  if (schemas.size)
    yield `schemas the selection needs and the target does not have: ${[...schemas].join(', ')} (restore them too, or create them first)`;
}

function* missingPublications(
  kept: TocEntry[],
  f: TargetFacts,
  keptIds: Set<number>,
  byId: Map<number, TocEntry>,
): Generator<string> {
  const pubs = new Set<string>();
  for (const e of kept.filter((x) => x.desc === 'PUBLICATION TABLE')) {
    const pub = e.deps.map((d) => byId.get(d)).find((d) => d?.desc === 'PUBLICATION');
    if (pub && !keptIds.has(pub.dumpId) && !f.publications.has(pub.tag)) pubs.add(pub.tag);
  }
  if (pubs.size)
    yield `publications the selection adds tables to and the target does not have: ${[...pubs].join(', ')} (create them first)`;
}

interface Resolution {
  leaveOut: boolean;
  note: string;
  problems: string[];
}

/** Owners: kept when every owner exists and this user may give objects to it. */
export function resolveOwners(kept: TocEntry[], asked: AutoBool, f: TargetFacts): Resolution {
  const owners = new Set(
    kept.filter((e) => e.owner && !DATA.has(e.desc) && !NOT_OWNED.test(e.desc)).map((e) => e.owner),
  );
  const missing = [...owners].filter((r) => !f.roles.has(r)).sort();
  const foreign = [...owners].filter((r) => f.roles.has(r) && !f.actsAs(r)).sort();
  if (asked === true)
    return { leaveOut: true, note: 'owners left out (no-owner: true)', problems: [] };
  if (asked === false) {
    const problems = missing.length
      ? [`owner roles missing on the target (no-owner: false): ${missing.join(', ')}`]
      : [];
    return { leaveOut: false, note: 'owners kept (no-owner: false)', problems };
  }
  if (!missing.length && !foreign.length)
    return { leaveOut: false, note: 'owners kept (every owner role exists)', problems: [] };
  const why = [
    missing.length ? `missing on the target: ${missing.join(', ')}` : '',
    foreign.length ? `this user is not a member of: ${foreign.join(', ')}` : '',
  ].filter(Boolean);
  return {
    leaveOut: true,
    note: `owners left out, every object is owned by ${f.user} (owner roles ${why.join('; ')})`,
    problems: [],
  };
}

/** Privileges: kept when every role the grants name exists on the target. */
export function resolvePrivileges(kept: TocEntry[], asked: AutoBool, f: TargetFacts): Resolution {
  const named = new Set(kept.filter((e) => /ACL$/.test(e.desc)).flatMap(grantRoles));
  const missing = [...named].filter((r) => !f.roles.has(r)).sort();
  if (asked === true)
    return { leaveOut: true, note: 'privileges left out (no-privileges: true)', problems: [] };
  if (asked === false) {
    const problems = missing.length
      ? [
          `roles the grants name are missing on the target (no-privileges: false): ${missing.join(', ')}`,
        ]
      : [];
    return { leaveOut: false, note: 'privileges kept (no-privileges: false)', problems };
  }
  if (!missing.length)
    return { leaveOut: false, note: 'privileges kept (every role they name exists)', problems: [] };
  return {
    leaveOut: true,
    note: `privileges left out (roles missing on the target: ${missing.join(', ')})`,
    problems: [],
  };
}

/**
 * Schemas an extension the restore creates brings with it (pg_cron's `cron`): those of entries
 * that depend on an EXTENSION entry, or hold an extension's configuration data.
 */
function extensionSchemas(kept: TocEntry[], byId: Map<number, TocEntry>): Set<string> {
  const tables = new Set(
    kept.filter((t) => t.desc === 'TABLE').map((t) => tableKey(t.namespace, t.tag)),
  );
  const schemas = new Set<string>();
  for (const e of kept) {
    const onExtension = e.deps.some((d) => byId.get(d)?.desc === 'EXTENSION');
    const extensionData = e.desc === 'TABLE DATA' && !tables.has(tableKey(e.namespace, e.tag));
    if (onExtension || extensionData) schemas.add(e.namespace);
  }
  return schemas;
}
