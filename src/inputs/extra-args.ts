import { InputError } from '../errors.js';

/** Splits `extra-args` like a shell would split words (quotes, backslashes), without running one. */
export function splitArgs(input: string, raw: string): string[] {
  const args: string[] = [];
  let current: string | undefined;
  let quote: '"' | "'" | undefined;
  for (let i = 0; i < raw.length; i += 1) {
    const ch = raw[i] ?? '';
    if (quote) {
      if (ch === quote) quote = undefined;
      else if (ch === '\\' && quote === '"' && i + 1 < raw.length) current += raw[++i] ?? '';
      else current += ch;
    } else if (ch === '"' || ch === "'") {
      quote = ch;
      current ??= '';
    } else if (/\s/.test(ch)) {
      if (current !== undefined) args.push(current);
      current = undefined;
    } else {
      current = (current ?? '') + (ch === '\\' && i + 1 < raw.length ? (raw[++i] ?? '') : ch);
    }
  }
  if (quote) throw new InputError(input, `has an unclosed ${quote} quote.`);
  if (current !== undefined) args.push(current);
  return args;
}

/** Long options the action sets itself, and what to use instead. */
const MANAGED_LONG: Record<string, string> = {
  file: 'the output file is managed by the action (see storage)',
  format: "use the 'format' input",
  compress: "use the 'compression' input",
  jobs: "use the 'jobs' input",
  dbname: "the connection comes from 'database-url'",
  host: "the connection comes from 'database-url'",
  port: "the connection comes from 'database-url'",
  username: "the connection comes from 'database-url'",
  password: "passwords come from 'database-url' through a PGPASSFILE",
  schema: "use the 'schemas' input",
  'exclude-schema': "use the 'exclude-schemas' input",
  table: "use the 'tables' input",
  'exclude-table': "use the 'exclude-tables' input",
  'exclude-table-data': "use the 'exclude-table-data' input",
  'schema-only': "use the 'schema-only' input",
  'data-only': "use the 'data-only' input",
  'lock-wait-timeout': "use the 'lock-wait-timeout' input",
  version: 'it does not dump',
  help: 'it does not dump',
};

/** Short options the action sets itself, by the long option they stand for. */
const MANAGED_SHORT: Record<string, string> = {
  f: 'file',
  F: 'format',
  Z: 'compress',
  j: 'jobs',
  d: 'dbname',
  h: 'host',
  p: 'port',
  U: 'username',
  W: 'password',
  n: 'schema',
  N: 'exclude-schema',
  t: 'table',
  T: 'exclude-table',
  s: 'schema-only',
  a: 'data-only',
  V: 'version',
  '?': 'help',
};

/** pg_dump's short options that take a value: the rest of a bundle after one of them is that value. */
const SHORT_WITH_VALUE = new Set([
  'd',
  'E',
  'e',
  'f',
  'F',
  'h',
  'j',
  'n',
  'N',
  'p',
  'S',
  't',
  'T',
  'U',
  'Z',
]);

const NOT_COPY = ['inserts', 'column-inserts', 'rows-per-insert'];

/** The managed long option an argument names, as getopt_long would read it (unique prefixes too). */
function managedOption(arg: string): string | undefined {
  if (arg.startsWith('--')) {
    const name = arg.slice(2).split('=')[0] ?? '';
    const exact = MANAGED_LONG[name] !== undefined ? name : undefined;
    return exact ?? Object.keys(MANAGED_LONG).find((m) => name.length >= 2 && m.startsWith(name));
  }
  for (const letter of arg.slice(1)) {
    if (MANAGED_SHORT[letter]) return MANAGED_SHORT[letter];
    if (SHORT_WITH_VALUE.has(letter)) return undefined;
  }
  return undefined;
}

/** Rejects arguments that would break the pipeline or duplicate an input; returns the args. */
export function checkExtraArgs(
  input: string,
  args: string[],
  verify: 'archive' | 'none',
): string[] {
  for (const arg of args) {
    if (!arg.startsWith('-')) {
      throw new InputError(
        input,
        `'${arg}' is not an option: every extra argument must start with '-' (write values as --option=value).`,
      );
    }
    if (arg === '--')
      throw new InputError(input, "'--' is not allowed: it would end pg_dump's options.");
    const managed = managedOption(arg);
    if (managed) throw new InputError(input, `'${arg}' is not allowed: ${MANAGED_LONG[managed]}.`);
    const long = arg.startsWith('--') ? (arg.slice(2).split('=')[0] ?? '') : '';
    if (verify === 'archive' && long.length >= 3 && NOT_COPY.some((n) => n.startsWith(long))) {
      throw new InputError(
        input,
        `'${arg}' writes INSERTs, and verify: archive counts COPY rows: set verify: none to use it.`,
      );
    }
  }
  return args;
}
