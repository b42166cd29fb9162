import { ActionError } from '../errors.js';
import { plural } from '../units.js';

/**
 * The overwrite guard: `overwrite` drops the archive's objects with CASCADE (in any order, so it
 * cannot fail on dependencies), and these statements, run in the restore's own transaction, make
 * sure the cascade took nothing else. Before the drops they record every user object of the
 * target (type and identity, as pg_identify_object names them, with the top-level object it
 * belongs to); after the restore they fail the transaction when an object is gone that the backup
 * did not bring back, unless it was part of an object the backup recreated (an index, constraint,
 * trigger or partition of a table the backup restores).
 */

/** Marks the guard's error so the restore can explain it. */
export const GUARD_MARK = 'pgba-overwrite-guard';

// Every user object (OIDs from 16384 on) that has a dependency entry, plus schemas, publications and
// event triggers, which may have none, and every column of a relation (a cascade from a type drops
// a column, not its table); each with its root: the object it belongs to, followed up auto,
// internal, partition and extension dependencies, and its parent, one step up.
const OBJECTS = `CREATE TEMP VIEW pgba_objects AS
WITH RECURSIVE o AS (
  SELECT DISTINCT classid, objid FROM pg_catalog.pg_depend WHERE objsubid = 0 AND objid >= 16384
  UNION SELECT 'pg_catalog.pg_namespace'::pg_catalog.regclass, oid FROM pg_catalog.pg_namespace WHERE oid >= 16384
  UNION SELECT 'pg_catalog.pg_publication'::pg_catalog.regclass, oid FROM pg_catalog.pg_publication
  UNION SELECT 'pg_catalog.pg_event_trigger'::pg_catalog.regclass, oid FROM pg_catalog.pg_event_trigger
), up AS (
  SELECT classid, objid, classid AS rootclass, objid AS rootobj, 0 AS depth FROM o
  UNION ALL
  SELECT up.classid, up.objid, d.refclassid, d.refobjid, up.depth + 1 FROM up
  JOIN pg_catalog.pg_depend d ON d.classid = up.rootclass AND d.objid = up.rootobj AND d.objsubid = 0
  WHERE d.deptype IN ('a', 'i', 'P', 'S', 'e') AND up.depth < 8
), root AS (
  SELECT DISTINCT ON (classid, objid) classid, objid, rootclass, rootobj FROM up
  ORDER BY classid, objid, depth DESC
), parent AS (
  SELECT DISTINCT ON (classid, objid) classid, objid, rootclass, rootobj FROM up WHERE depth = 1
  ORDER BY classid, objid
), named AS (
  SELECT r.classid, r.objid, 0 AS subid, r.rootclass, r.rootobj, p.rootclass AS pclass,
    p.rootobj AS pobj
  FROM root r LEFT JOIN parent p ON p.classid = r.classid AND p.objid = r.objid
  UNION ALL
  SELECT r.classid, r.objid, a.attnum, r.rootclass, r.rootobj, r.classid, r.objid
  FROM root r JOIN pg_catalog.pg_attribute a
    ON r.classid = 'pg_catalog.pg_class'::pg_catalog.regclass AND a.attrelid = r.objid
  WHERE a.attnum > 0 AND NOT a.attisdropped
)
SELECT n.objid, i.type || ' ' || i.identity AS ident, n.rootobj,
  CASE WHEN n.subid = 0 AND n.rootclass = n.classid AND n.rootobj = n.objid THEN NULL
  ELSE ri.type || ' ' || ri.identity END AS root,
  (SELECT pi.type || ' ' || pi.identity
   FROM pg_catalog.pg_identify_object(n.pclass, n.pobj, 0) pi) AS parent
FROM named n
CROSS JOIN LATERAL pg_catalog.pg_identify_object(n.classid, n.objid, n.subid) i
CROSS JOIN LATERAL pg_catalog.pg_identify_object(n.rootclass, n.rootobj, 0) ri
WHERE i.identity IS NOT NULL
  AND coalesce(i.schema, '') NOT IN ('pg_catalog', 'information_schema', 'pg_toast')
  AND coalesce(i.schema, '') NOT LIKE 'pg\\_temp\\_%' AND coalesce(i.schema, '') NOT LIKE 'pg\\_toast\\_temp\\_%'
  AND NOT (i.type = 'schema' AND (i.identity LIKE 'pg\\_temp\\_%' OR i.identity LIKE 'pg\\_toast%'));`;

/** Before the drops: the target's objects, kept until the transaction ends. */
export const GUARD_BEFORE = `${OBJECTS}
CREATE TEMP TABLE pgba_before ON COMMIT DROP AS SELECT * FROM pg_temp.pgba_objects;
`;

// Lost: gone and not brought back, where a part of an object counts as lost only when its root is
// still the same object (a root that is gone is reported itself; a recreated root has a new OID).
/** After the restore, before COMMIT: fails the transaction when the cascade took other objects. */
export const GUARD_AFTER = `CREATE TEMP TABLE pgba_after ON COMMIT DROP AS SELECT * FROM pg_temp.pgba_objects;
CREATE TEMP TABLE pgba_lost ON COMMIT DROP AS SELECT b.ident, b.root, b.parent
  FROM pg_temp.pgba_before b
  WHERE NOT EXISTS (SELECT 1 FROM pg_temp.pgba_after a WHERE a.ident = b.ident)
    AND (b.root IS NULL OR EXISTS (
      SELECT 1 FROM pg_temp.pgba_after a WHERE a.ident = b.root AND a.objid = b.rootobj));
DO $pgba$
DECLARE
  lost text[];
BEGIN
  -- Named: the lost objects that are not parts of another lost one (an FK's triggers).
  SELECT pg_catalog.array_agg(l.ident ORDER BY l.root IS NOT NULL, l.ident) INTO lost
  FROM pg_temp.pgba_lost l
  WHERE l.parent IS NULL OR NOT EXISTS (SELECT 1 FROM pg_temp.pgba_lost p WHERE p.ident = l.parent);
  IF lost IS NOT NULL THEN
    RAISE EXCEPTION '${GUARD_MARK}: % object(s): %', pg_catalog.cardinality(lost),
      pg_catalog.array_to_string(lost[1:10], ', ');
  END IF;
END
$pgba$;
`;

/** The guard's error, told as what happened and what to do; undefined for any other error. */
export function guardFailure(psqlError: string, database: string): ActionError | undefined {
  const m = new RegExp(`${GUARD_MARK}: (\\d+) object\\(s\\): (.*)$`).exec(psqlError);
  if (!m) return undefined;
  const more = Number(m[1]) > 10 ? ` and ${Number(m[1]) - 10} more` : '';
  return new ActionError(
    `overwrite would also drop ${plural(Number(m[1]), 'object')} of '${database}' that ${m[1] === '1' ? 'is' : 'are'} not in the backup but ${m[1] === '1' ? 'depends' : 'depend'} on its objects: ${m[2]}${more}. Drop or change those objects first, or restore into an empty database.`,
  );
}
