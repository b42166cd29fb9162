// Shared arbitraries and checks of the property tests: hostile input values and what any reader
// may do with them (return a value, or throw an InputError that names the input and hides secrets).
import { expect } from '@jest/globals';
import fc from 'fast-check';
import { ActionError, InputError } from '../../src/errors.js';
import { INPUTS, type Read } from '../../src/inputs/read.js';
import { rawReaderOf, readerOf as defaultsReaderOf } from '../../scripts/lib/repo.js';

/** Runs per property: enough to find edge cases, bounded so the folder stays fast. */
export const RUNS = { numRuns: 300 };

/** Pieces that break naive parsers: line breaks, escapes, quotes, expressions, schemes, lookalikes. */
export const PIECES = [
  '\n',
  '\r\n',
  '\r',
  '\t',
  '\u0000',
  '\u0085',
  '\u2028',
  '%',
  '%25',
  '%0A',
  '%zz',
  '"',
  "'",
  '`',
  '\\',
  '${{ secrets.X }}',
  '${{',
  '}}',
  '::error::',
  '..',
  '.',
  '/',
  '//',
  's3://',
  'file://',
  'artifact://',
  'C:\\',
  ' ',
  '\u00a0',
  '\u200b',
  '\ufeff',
  '\u202e',
  '\u2215',
  '\uff0f',
  '\u2024',
  'é',
  'İ',
  'ß',
  '😀',
  '\ud800',
  '-',
  '--',
  '=',
  ',',
  '#',
  ':',
  '@',
  '?',
  '&',
  '0',
  '1',
  '99',
  'true',
  'a',
  'Z',
];

/** Any string a user (or an attacker controlling a workflow file) could put in an input. */
export const hostileString: fc.Arbitrary<string> = fc.oneof(
  { arbitrary: fc.string({ unit: 'grapheme', maxLength: 30 }), weight: 2 },
  { arbitrary: fc.string({ unit: 'binary', maxLength: 30 }), weight: 2 },
  { arbitrary: pieces(PIECES, 12), weight: 4 },
  {
    arbitrary: fc
      .tuple(fc.constantFrom('a', '1', '-', '/', '%'), fc.integer({ min: 1000, max: 20000 }))
      .map(([ch, n]) => ch.repeat(n)),
    weight: 1,
  },
);

/** Strings made of `from` (and a few random characters), up to `max` pieces. */
export function pieces(from: readonly string[], max: number): fc.Arbitrary<string> {
  return fc
    .array(fc.oneof(fc.constantFrom(...from), fc.string({ maxLength: 3 })), { maxLength: max })
    .map((parts) => parts.join(''));
}

/** Valid values and near misses of them: case changes, a hostile piece before, inside or after. */
export function around(valid: readonly string[]): fc.Arbitrary<string> {
  const near = fc
    .tuple(fc.constantFrom(...valid), fc.constantFrom(...PIECES), fc.nat(), fc.nat(2))
    .map(([value, piece, at, where]) => {
      const i = where === 0 ? 0 : where === 1 ? value.length : at % (value.length + 1);
      return value.slice(0, i) + piece + value.slice(i);
    });
  return fc.oneof(fc.constantFrom(...valid), fc.mixedCase(fc.constantFrom(...valid)), near);
}

/** A valid value, a near miss or any hostile string. */
export function valueFor(valid: readonly string[]): fc.Arbitrary<string> {
  return fc.oneof(around(valid), hostileString);
}

/** The outcome of a call: its value or what it threw. */
export type Outcome<T> = { ok: true; value: T } | { ok: false; error: unknown };

/** Runs `fn` and captures what it returns or throws. */
export function attempt<T>(fn: () => T): Outcome<T> {
  try {
    return { ok: true, value: fn() };
  } catch (error) {
    return { ok: false, error };
  }
}

const count = (text: string, ch: string): number => text.split(ch).length - 1;
const INPUT_NAMES: string[] = Object.values(INPUTS);

/**
 * `error` is a user-facing error of the action (never a TypeError or RangeError: a crash), about an
 * input: it starts with `Input '<name>'` for one of `inputs` (any input when omitted), carries no
 * stack text and no more line breaks than the values echoed in it, and contains none of `secrets`.
 */
export function expectInputError(
  error: unknown,
  options: { inputs?: string[]; values?: string[]; secrets?: string[] },
): void {
  if (!(error instanceof ActionError)) throw error;
  const message = error.message;
  const named = /^Input '([^']+)'/.exec(message)?.[1];
  expect(named).toBeDefined();
  expect(options.inputs ?? INPUT_NAMES).toContain(named);
  const echoed = (options.values ?? []).join('');
  expect(count(message, '\n')).toBeLessThanOrEqual(count(echoed, '\n'));
  expect(count(message, '\r')).toBeLessThanOrEqual(count(echoed, '\r'));
  expect(message).not.toMatch(/\n\s+at \S/);
  for (const secret of options.secrets ?? []) expect(message).not.toContain(secret);
}

/** Like expectInputError, and the error is exactly an InputError (not another ActionError). */
export function expectStrictInputError(
  error: unknown,
  options: { inputs?: string[]; values?: string[]; secrets?: string[] },
): void {
  expectInputError(error, options);
  expect(error).toBeInstanceOf(InputError);
}

/** A mask that records what it is given. */
export function recordingMask(): { mask: (secret: string) => void; masked: string[] } {
  const masked: string[] = [];
  return { mask: (secret) => void masked.push(secret), masked };
}

/**
 * Wraps a reader so that every read checks the secret inputs read before it have been masked
 * (a secret is masked the moment it is read, before anything else can fail).
 */
export function watchedReader(
  read: Read,
  masked: string[],
  secretInputs: readonly string[],
): { read: Read; check: () => void } {
  const seen = new Set<string>();
  const check = () => {
    for (const name of seen) expect(masked).toContain(read(name));
  };
  const watched: Read = (name) => {
    check();
    const value = read(name);
    if (secretInputs.includes(name) && value !== '') seen.add(name);
    return value;
  };
  return { read: watched, check };
}

/** Which reader: blanks take action.yml's default, or reach the readers as they are. */
export type ReaderKind = 'defaults' | 'raw';
/** Both reader kinds. */
export const readerKind: fc.Arbitrary<ReaderKind> = fc.constantFrom('defaults', 'raw');

/** A reader of `kind` over `given`. */
export function readerOf(kind: ReaderKind, given: Record<string, string>): Read {
  return kind === 'raw' ? rawReaderOf(given) : defaultsReaderOf(given);
}

/** Percent-encoded as a user would (a lone surrogate, which cannot be encoded, stays as it is). */
export function encoded(text: string): string {
  try {
    return encodeURIComponent(text);
  } catch {
    return text;
  }
}

/** Both ends of every generated password: a message that shows either has leaked some of it. */
export const SECRET_HEAD = ['Pw7Kq', '80'];
export const SECRET_TAIL = 'Zr4Vm';

/** A password with hostile characters in the middle (written raw or percent-encoded). */
export const password: fc.Arbitrary<string> = fc
  .tuple(
    fc.constantFrom(...SECRET_HEAD),
    pieces(
      [
        '@',
        ':',
        '/',
        '#',
        '?',
        '?port=',
        '&port=',
        '?host=',
        '&dbname=x',
        '%',
        '%zz',
        ' ',
        ...PIECES,
      ],
      4,
    ),
  )
  .map(([head, middle]) => `${head}${middle}${SECRET_TAIL}`);

/** A connection URL around a password, with a random scheme, user, host, port, path and query. */
export const databaseUrl: fc.Arbitrary<{ url: string; secret: string }> = fc
  .record({
    scheme: fc.constantFrom(
      'postgresql://',
      'postgres://',
      'POSTGRESQL://',
      'http://',
      'postgresql:',
      '',
    ),
    user: fc.constantFrom('app', '', 'a%40b', 'us er'),
    secret: password,
    encode: fc.boolean(),
    host: fc.constantFrom('db.example.com', '[::1]', '', '%2Ftmp', '127.0.0.1', 'h_st'),
    port: fc.constantFrom('', ':5432', ':0', ':65536', ':99999', ':x'),
    path: fc.oneof(
      fc.constantFrom('/shop', '', '/', '/%zz', '/a%2Fb'),
      hostileString.map((s) => `/${s}`),
    ),
    query: fc.constantFrom('', '?sslmode=require', '?port=x', '?host=/tmp', '?dbname=d&user=u'),
  })
  .map((u) => ({
    url:
      `${u.scheme}${u.user}:${u.encode ? encoded(u.secret) : u.secret}@` +
      `${u.host}${u.port}${u.path}${u.query}`,
    secret: u.secret,
  }));

/** The parts of a password that an error message or a log line must never show. */
export function secretParts(secret: string): string[] {
  if (!secret.endsWith(SECRET_TAIL)) return [];
  return [secret, encoded(secret), SECRET_TAIL, ...SECRET_HEAD.filter((h) => h.length > 2)];
}

/** A valid label; some look like a whole id, to test where the label ends. */
export const label: fc.Arbitrary<string> = fc.oneof(
  fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/),
  fc.constantFrom('a-20260101T000000Z', 'b-20260101T000000Z-2', 'x-1', 'app.v2', '0'),
);
/** A whole-second date whose year has four digits. */
export const date: fc.Arbitrary<Date> = fc
  .date({
    min: new Date('0000-01-01T00:00:00Z'),
    max: new Date('9999-12-31T23:59:59Z'),
    noInvalidDate: true,
  })
  .map((d) => new Date(Math.floor(d.getTime() / 1000) * 1000));
