/** What the filter drops. */
export interface SqlFilterRules {
  /** Settings the target server knows; a top-level `SET x = …;` of any other is dropped. */
  knownSettings: Set<string>;
  /** Drop `ALTER … OWNER TO …;` lines (plain dumps with no-owner). */
  dropOwners: boolean;
  /** Drop `GRANT …;` / `REVOKE …;` lines (plain dumps with no-privileges). */
  dropPrivileges: boolean;
  /**
   * Rewrite `--clean`'s drops so they cannot fail on dependencies: every drop of a top-level object
   * gets `CASCADE`, and the drops of sub-objects (constraints, indexes, triggers, rules, policies,
   * defaults, publication members) are left out, as their object's drop removes them. Objects
   * outside the archive that a cascade would take are caught by the overwrite guard.
   */
  cascadeClean?: boolean;
  /**
   * Drop top-level `BEGIN;` and `COMMIT;` (pg_restore wraps large objects in them): the restore
   * runs in one transaction of its own, which they would end early.
   */
  dropTransactionControl?: boolean;
  /** Replaces the dump's `SET lock_timeout = 0;` (wait for ever) with this timeout, e.g. `5min`. */
  lockTimeout?: string;
  /**
   * Refuse (fail the stream) every psql meta-command outside quotes and COPY data, but for the
   * dump's own `\restrict KEY` … `\unrestrict KEY` pair, which is dropped: the restore's psql is
   * restricted with a key of its own.
   */
  refuseMetaCommands?: boolean;
}

/** How many statements the filter left out, by kind. */
export interface SqlFilterCounts {
  ownership: number;
  privileges: number;
}

const PRIVILEGES = /^(GRANT|REVOKE|ALTER DEFAULT PRIVILEGES) .*;$/;
/** Transaction control that pg_restore -f - and plain dumps write around large objects. */
const TRANSACTION_CONTROL = new Set(['BEGIN;', 'COMMIT;']);
/** Drops of parts of an object: its own drop (with CASCADE) removes them. */
const SUB_OBJECT_DROP =
  /^(ALTER (FOREIGN )?TABLE (IF EXISTS )?(ONLY )?.* (DROP CONSTRAINT .*|ALTER COLUMN .* DROP DEFAULT)|ALTER DOMAIN .* DROP CONSTRAINT .*|ALTER PUBLICATION .* DROP .*|DROP (INDEX|TRIGGER|RULE|POLICY) .*);$/;
/** A drop of a top-level object, as `--clean --if-exists` writes it. */
const OBJECT_DROP = /^DROP (?!USER MAPPING )[A-Z ]+ IF EXISTS .*;$/;
const OWNERSHIP = /^ALTER .* OWNER TO .*;$/;
/** How a line that the rules may edit begins; no other line needs to be held whole. */
export const EDITABLE_START = /^(ALTER |GRANT |REVOKE |SET |DROP |BEGIN;|COMMIT;|COPY |-- |\\)/;
/** First bytes of the lines {@link EDITABLE_START} matches: B, C, S, A, G, R, D, - and \. */
export const EDITABLE_FIRST_BYTES = new Set([0x42, 0x43, 0x53, 0x41, 0x47, 0x52, 0x44, 0x2d, 0x5c]);
/** How many bytes tell whether a line matches {@link EDITABLE_START}. */
export const EDITABLE_PREFIX = 8;

/** A top-level `SET x = …;` of a setting the target does not know: its name, else undefined. */
export function unknownSetting(line: string, rules: SqlFilterRules): string | undefined {
  const set = /^SET ([a-z_.]+) = .*;$/.exec(line);
  if (!set?.[1] || set[1].includes('.') || rules.knownSettings.has(set[1])) return undefined;
  return set[1];
}

/** Which owner or privilege statement `line` is, when the rules leave it out. */
export function skippedKind(
  line: string,
  rules: SqlFilterRules,
): keyof SqlFilterCounts | undefined {
  if (rules.dropOwners && OWNERSHIP.test(line)) return 'ownership';
  if (rules.dropPrivileges && PRIVILEGES.test(line)) return 'privileges';
  return undefined;
}

/** True for a `BEGIN;` / `COMMIT;` line the rules drop. */
export function droppedTransactionControl(line: string, rules: SqlFilterRules): boolean {
  return rules.dropTransactionControl === true && TRANSACTION_CONTROL.has(line);
}

/** `SET standard_conforming_strings = on|off;`: the value, else undefined. */
export function standardStrings(line: string): boolean | undefined {
  const m = /^SET standard_conforming_strings = '?(on|off)'?;$/.exec(line);
  return m ? m[1] === 'on' : undefined;
}

/** A drop of `--clean`, made safe to run in any order: sub-object drops left out, CASCADE added. */
export function cleanDrop(line: string): string | undefined {
  if (SUB_OBJECT_DROP.test(line)) return '';
  if (OBJECT_DROP.test(line) && !/ CASCADE;$/.test(line)) return `${line.slice(0, -1)} CASCADE;`;
  return undefined;
}
