import { InputError } from './errors.js';

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

/** Options the action sets itself, and the input to use instead. */
const MANAGED: [RegExp, string][] = [
  [/^(-f|--file)(=|$)|^-f./, 'the output file is managed by the action (see storage)'],
  [/^(-F|--format)(=|$)|^-F./, "use the 'format' input"],
  [/^(-Z|--compress)(=|$)|^-Z./, "use the 'compression' input"],
  [/^(-j|--jobs)(=|$)|^-j./, "use the 'jobs' input"],
  [
    /^(-d|--dbname|-h|--host|-p|--port|-U|--username)(=|$)|^-[dhpU]./,
    "the connection comes from 'database-url'",
  ],
  [/^(-W|--password)$/, "passwords come from 'database-url' through a PGPASSFILE"],
  [/^(-n|--schema)(=|$)|^-n./, "use the 'schemas' input"],
  [/^(-N|--exclude-schema)(=|$)|^-N./, "use the 'exclude-schemas' input"],
  [/^(-t|--table)(=|$)|^-t./, "use the 'tables' input"],
  [/^(-T|--exclude-table)(=|$)|^-T./, "use the 'exclude-tables' input"],
  [/^--exclude-table-data(=|$)/, "use the 'exclude-table-data' input"],
  [/^(-s|--schema-only)$/, "use the 'schema-only' input"],
  [/^(-a|--data-only)$/, "use the 'data-only' input"],
  [/^--lock-wait-timeout(=|$)/, "use the 'lock-wait-timeout' input"],
  [/^(-V|--version|-\?|--help)$/, 'it does not dump'],
];

const NOT_COPY = /^(--inserts|--column-inserts|--rows-per-insert)(=|$)/;

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
    const managed = MANAGED.find(([re]) => re.test(arg));
    if (managed) throw new InputError(input, `'${arg}' is not allowed: ${managed[1]}.`);
    if (verify === 'archive' && NOT_COPY.test(arg)) {
      throw new InputError(
        input,
        `'${arg}' writes INSERTs, and verify: archive counts COPY rows: set verify: none to use it.`,
      );
    }
  }
  return args;
}
