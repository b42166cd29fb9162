import { tableKey, type TocEntry } from './archive-toc.js';
import type { TargetFacts } from './target-facts.js';

/** Rows per table in the archive (keys of tableKey), as the manifest counted them. */
export type ArchiveRows = Map<string, number>;

/**
 * An extension's configuration table with no rows of its own in the archive (PostGIS's
 * spatial_ref_sys, pg_partman's config before use) has nothing to restore, and a user who may not
 * write the provider's table could not restore even its empty COPY.
 */
export function withoutEmptyExtensionData(
  toc: TocEntry[],
  selected: Set<number>,
  rows: ArchiveRows,
): Set<number> {
  for (const e of extensionData(toc))
    if (rows.get(tableKey(e.namespace, e.tag)) === 0) selected.delete(e.dumpId);
  return selected;
}

/** TABLE DATA of tables the archive does not create: extensions' configuration tables. */
export function extensionData(toc: TocEntry[]): TocEntry[] {
  const tables = new Set(
    toc.filter((t) => t.desc === 'TABLE').map((t) => tableKey(t.namespace, t.tag)),
  );
  return toc.filter((e) => e.desc === 'TABLE DATA' && !tables.has(tableKey(e.namespace, e.tag)));
}

/** Kept extension configuration data whose table the target has: its rows are replaced. */
export function replacedExtensionData(
  toc: TocEntry[],
  kept: Set<number>,
  f: TargetFacts,
): { schema: string; name: string; filter: string }[] {
  return extensionData(toc)
    .filter((e) => kept.has(e.dumpId))
    .flatMap((e) => {
      const filter = f.extensionTables.get(tableKey(e.namespace, e.tag));
      return filter === undefined ? [] : [{ schema: e.namespace, name: e.tag, filter }];
    });
}

/** What a schema or table selection leaves out that a whole restore would bring. */
export function leftOut(toc: TocEntry[], selected: Set<number>, rows: ArchiveRows): string[] {
  const out: string[] = [];
  const lo = toc.filter((e) => /^(BLOBS|LARGE OBJECT|BLOB METADATA)$/.test(e.desc));
  if (lo.length && !lo.some((e) => selected.has(e.dumpId))) out.push('large objects');
  const extData = extensionData(toc);
  const missed = extData
    .filter((e) => !selected.has(e.dumpId) && rows.get(tableKey(e.namespace, e.tag)) !== 0)
    .map((e) => `${e.namespace}.${e.tag}`);
  if (missed.length) out.push(`extension configuration data (${missed.join(', ')})`);
  return out;
}
