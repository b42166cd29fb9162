// The output of `pg_dumpall --globals-only` read statement by statement, so that a restore applies
// only what it understands about each role and tablespace instead of running the script blindly.

/** One statement of the globals script, classified. */
export type GlobalsStatement =
  | { kind: 'create-role'; role: string }
  /** `ALTER ROLE r WITH ...`: only the attributes a new role does not have by default. */
  | { kind: 'role-attributes'; role: string; attributes: string[] }
  /** `ALTER ROLE r SET|RESET ...`, `COMMENT ON ROLE r`, `SECURITY LABEL ... ON ROLE r`. */
  | { kind: 'role-setting'; role: string; sql: string }
  /** `GRANT roles TO members [WITH ...]` (GRANTED BY left out: the connecting user grants). */
  | { kind: 'membership'; roles: string[]; members: string[]; options: string }
  | { kind: 'create-tablespace'; tablespace: string; owner?: string; location: string }
  /** `ALTER TABLESPACE`, `GRANT|REVOKE ... ON TABLESPACE`, `COMMENT ON TABLESPACE`, ... */
  | { kind: 'tablespace-setting'; tablespace: string; sql: string }
  /** SET lines, DROP (--clean), grants on parameters, anything else: never applied. */
  | { kind: 'ignored'; sql: string };

/** One lexical token of a statement. */
export interface Token {
  /** word (bare name or keyword), ident (quoted name), string (literal), punct. */
  type: 'word' | 'ident' | 'string' | 'punct';
  /** As written. */
  raw: string;
  /** A name's value: a bare word folded to lower case, a quoted one unescaped. */
  name: string;
}

/** Splits SQL into statements at `;` outside quotes; psql meta-commands and comments are dropped. */
export function splitStatements(sql: string): string[] {
  const statements: string[] = [];
  let current = '';
  let quote: string | undefined;
  for (const line of sql.split(/\r?\n/)) {
    if (!quote && !current.trim() && (/^\s*\\/.test(line) || /^\s*--/.test(line))) continue;
    for (const ch of `${line}\n`) {
      if (quote) {
        if (ch === quote) quote = undefined;
      } else if (ch === "'" || ch === '"') quote = ch;
      else if (ch === ';') {
        if (current.trim()) statements.push(current.trim());
        current = '';
        continue;
      }
      current += ch;
    }
  }
  if (current.trim() && !quote) statements.push(current.trim());
  return statements;
}

/** Tokens of one statement (names, literals, punctuation). */
export function tokenize(statement: string): Token[] {
  const tokens: Token[] = [];
  const re = /\s+|"((?:[^"]|"")*)"|'(?:[^']|'')*'|[A-Za-z_][A-Za-z0-9_$]*|-?\d+(?:\.\d+)?|./gs;
  for (const m of statement.matchAll(re)) {
    const raw = m[0];
    if (/^\s+$/.test(raw)) continue;
    if (raw.startsWith('"'))
      tokens.push({ type: 'ident', raw, name: (m[1] ?? '').replace(/""/g, '"') });
    else if (raw.startsWith("'")) tokens.push({ type: 'string', raw, name: raw });
    else if (/^[A-Za-z_\d-]/.test(raw)) tokens.push({ type: 'word', raw, name: raw.toLowerCase() });
    else tokens.push({ type: 'punct', raw, name: raw });
  }
  return tokens;
}

/** Parses the whole globals script. */
export function parseGlobals(sql: string): GlobalsStatement[] {
  return splitStatements(sql).map(classify);
}

const isWord = (t: Token | undefined, ...words: string[]) =>
  t?.type === 'word' && words.includes(t.raw.toUpperCase());
const isName = (t: Token | undefined) => t?.type === 'word' || t?.type === 'ident';

/** What one statement is. */
export function classify(sql: string): GlobalsStatement {
  const t = tokenize(sql);
  const [a, b, c, d] = t;
  if (isWord(a, 'CREATE') && isWord(b, 'ROLE') && isName(c) && t.length === 3)
    return { kind: 'create-role', role: c?.name ?? '' };
  if (isWord(a, 'ALTER') && isWord(b, 'ROLE') && isName(c) && c) {
    if (isWord(d, 'WITH'))
      return { kind: 'role-attributes', role: c.name, attributes: keptAttributes(t.slice(4)) };
    if (isWord(d, 'SET', 'RESET')) return { kind: 'role-setting', role: c.name, sql };
  }
  if (isWord(a, 'CREATE') && isWord(b, 'TABLESPACE') && isName(c)) return tablespace(t, sql);
  const subject = onSubject(t);
  if (subject?.kind === 'ROLE' && (isWord(a, 'COMMENT') || isWord(a, 'SECURITY')))
    return { kind: 'role-setting', role: subject.name, sql };
  if (subject?.kind === 'TABLESPACE' && isWord(a, 'COMMENT', 'SECURITY', 'GRANT', 'REVOKE'))
    return { kind: 'tablespace-setting', tablespace: subject.name, sql };
  if (isWord(a, 'ALTER') && isWord(b, 'TABLESPACE') && isName(c) && c)
    return { kind: 'tablespace-setting', tablespace: c.name, sql };
  if (isWord(a, 'GRANT') && !t.some((x) => isWord(x, 'ON'))) return membership(t, sql);
  return { kind: 'ignored', sql };
}

// What a role made by CREATE ROLE already is; naming it again adds nothing, and some of these
// (NOREPLICATION, NOBYPASSRLS) are refused from users who are not superusers.
const DEFAULT_ATTRIBUTES = new Set([
  'NOSUPERUSER',
  'INHERIT',
  'NOCREATEROLE',
  'NOCREATEDB',
  'NOLOGIN',
  'NOREPLICATION',
  'NOBYPASSRLS',
]);

/** The attributes of `ALTER ROLE r WITH ...` that differ from a new role's. */
export function keptAttributes(tokens: Token[]): string[] {
  const kept: string[] = [];
  for (let i = 0; i < tokens.length; i += 1) {
    const word = tokens[i]?.raw.toUpperCase() ?? '';
    const next = tokens[i + 1];
    if (word === 'CONNECTION' || word === 'VALID') {
      const value = tokens[i + 2];
      i += 2;
      if (word === 'VALID' || value?.raw !== '-1') kept.push(`${word} ${next?.raw} ${value?.raw}`);
    } else if (word === 'PASSWORD') {
      i += 1;
      if (next?.type === 'string') kept.push(`PASSWORD ${next.raw}`);
    } else if (word && !DEFAULT_ATTRIBUTES.has(word)) kept.push(word);
  }
  return kept;
}

function tablespace(t: Token[], sql: string): GlobalsStatement {
  const name = t[2]?.name ?? '';
  const ownerAt = t.findIndex((x) => isWord(x, 'OWNER'));
  const locationAt = t.findIndex((x) => isWord(x, 'LOCATION'));
  const location = t[locationAt + 1];
  if (locationAt < 0 || location?.type !== 'string') return { kind: 'ignored', sql };
  const owner = ownerAt > 0 && isName(t[ownerAt + 1]) ? t[ownerAt + 1]?.name : undefined;
  return { kind: 'create-tablespace', tablespace: name, owner, location: location.raw };
}

/** The `ON ROLE x` / `ON TABLESPACE x` a statement is about. */
function onSubject(t: Token[]): { kind: 'ROLE' | 'TABLESPACE'; name: string } | undefined {
  const at = t.findIndex((x, i) => isWord(x, 'ON') && isWord(t[i + 1], 'ROLE', 'TABLESPACE'));
  const name = t[at + 2];
  if (at < 0 || !isName(name) || !name) return undefined;
  return { kind: t[at + 1]?.raw.toUpperCase() as 'ROLE' | 'TABLESPACE', name: name.name };
}

function membership(t: Token[], sql: string): GlobalsStatement {
  const to = t.findIndex((x) => isWord(x, 'TO'));
  const end = t.findIndex((x, i) => i > to && isWord(x, 'WITH', 'GRANTED'));
  const tail = end < 0 ? [] : t.slice(end);
  const granted = tail.findIndex((x) => isWord(x, 'GRANTED'));
  const options = (granted < 0 ? tail : tail.slice(0, granted)).map((x) => x.raw);
  const roles = names(t.slice(1, to));
  const members = names(t.slice(to + 1, end < 0 ? undefined : end));
  if (to < 2 || !roles || !members) return { kind: 'ignored', sql };
  return { kind: 'membership', roles, members, options: options.join(' ').replace(/ ,/g, ',') };
}

/** A comma list of names; undefined when it holds anything else. */
function names(tokens: Token[]): string[] | undefined {
  const out: string[] = [];
  for (const [i, token] of tokens.entries()) {
    if (i % 2 === 1 ? token.raw !== ',' : !isName(token)) return undefined;
    if (i % 2 === 0) out.push(token.name);
  }
  return out.length ? out : undefined;
}
