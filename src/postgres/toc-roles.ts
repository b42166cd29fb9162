import type { TocEntry } from './archive-toc.js';

// A role name as pg_dump writes it: a plain lower-case identifier or a double-quoted one.
const ROLE = String.raw`(?:"(?:[^"]|"")+"|[A-Za-z_][A-Za-z0-9_$]*)`;
const ROLE_LIST = new RegExp(String.raw`\b(?:TO|FROM)\s+(${ROLE}(?:\s*,\s*${ROLE})*)`, 'g');
const FOR_ROLE = new RegExp(String.raw`\bFOR ROLE\s+(${ROLE}(?:\s*,\s*${ROLE})*)`, 'g');
const SESSION_ROLE = new RegExp(String.raw`\bSET SESSION AUTHORIZATION\s+(${ROLE})`, 'g');
const POLICY_ROLES = new RegExp(String.raw`^CREATE POLICY .*? TO (${ROLE}(?:, ${ROLE})*)`, 's');
/** Names that are keywords, not roles, where a grantee stands. */
const NOT_ROLES = new Set(['public', 'current_user', 'session_user', 'current_role']);

/** Splits `a, "b c"` into role names, unquoted and with PUBLIC and the like left out. */
function splitRoles(list: string): string[] {
  const names = list.match(new RegExp(ROLE, 'g')) ?? [];
  return names
    .map((n) => (n.startsWith('"') ? n.slice(1, -1).replace(/""/g, '"') : n))
    .filter((n) => !NOT_ROLES.has(n.toLowerCase()));
}

/** The roles the grants of an ACL or DEFAULT ACL entry name (grantees, FOR ROLE, grantors). */
export function grantRoles(entry: TocEntry): string[] {
  const grantees = entry.defn
    .split(/;\n/)
    .map((statement) => statement.trim())
    .filter((s) => /^(GRANT|REVOKE)\s.*?\bON\b/s.test(s) || /^ALTER DEFAULT PRIVILEGES/.test(s))
    .flatMap((s) => [...s.matchAll(ROLE_LIST)].flatMap((m) => splitRoles(m[1] ?? '')));
  return [...new Set([...grantees, ...actingRoles(entry)])];
}

/** The roles of `ALTER DEFAULT PRIVILEGES FOR ROLE …` and `SET SESSION AUTHORIZATION …`: acted as. */
export function actingRoles(entry: TocEntry): string[] {
  const roles: string[] = [];
  for (const m of entry.defn.matchAll(FOR_ROLE)) roles.push(...splitRoles(m[1] ?? ''));
  for (const m of entry.defn.matchAll(SESSION_ROLE)) roles.push(...splitRoles(m[1] ?? ''));
  return [...new Set(roles)];
}

/** The roles a `CREATE POLICY … TO …` names: they must exist, with or without privileges. */
export function policyRoles(entry: TocEntry): string[] {
  const m = POLICY_ROLES.exec(entry.defn);
  return m ? splitRoles(m[1] ?? '') : [];
}
