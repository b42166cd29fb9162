// Properties of extra-args: shell-like splitting without a shell, and the options it refuses.
import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { checkExtraArgs, splitArgs } from '../../../src/inputs/extra-args.js';
import {
  attempt,
  expectStrictInputError,
  hostileString,
  PIECES,
  RUNS,
  valueFor,
} from '../../helpers/hostile-values.js';

const INPUT = 'extra-args';
const arg = fc.oneof(hostileString, fc.constantFrom(...PIECES), fc.constant(''));
const whitespace = fc.constantFrom(' ', '\t', '\n', '  ', ' \r\n ', '\u00a0');

/** Three ways a user quotes an argument for a shell. */
const QUOTERS: Record<string, (a: string) => string> = {
  single: (a) => `'${a.replace(/'/g, `'"'"'`)}'`,
  double: (a) => `"${a.replace(/["\\]/g, '\\$&')}"`,
  backslash: (a) => (a === '' ? "''" : a.replace(/[\s\S]/g, '\\$&')),
};

describe('splitArgs', () => {
  it('gives a list of words, or an InputError naming extra-args for an unclosed quote', () => {
    fc.assert(
      fc.property(hostileString, (raw) => {
        const result = attempt(() => splitArgs(INPUT, raw));
        if (result.ok) for (const word of result.value) expect(typeof word).toBe('string');
        else {
          expectStrictInputError(result.error, { inputs: [INPUT] });
          expect((result.error as Error).message).toMatch(/unclosed ["'] quote/);
        }
      }),
      RUNS,
    );
  });

  it('round-trips any arguments quoted by a simple quoting function', () => {
    const quoter = fc.constantFrom(...Object.keys(QUOTERS));
    const words = fc.array(fc.tuple(arg, quoter, whitespace), { maxLength: 6 });
    fc.assert(
      fc.property(words, whitespace, (list, lead) => {
        const text = lead + list.map(([a, q, ws]) => `${QUOTERS[q]?.(a) ?? ''}${ws}`).join('');
        expect(splitArgs(INPUT, text)).toEqual(list.map(([a]) => a));
      }),
      RUNS,
    );
  });

  it('splits plain words at whitespace', () => {
    const word = fc.stringMatching(/^[A-Za-z0-9=,.:_+-]{1,12}$/);
    fc.assert(
      fc.property(fc.array(fc.tuple(word, whitespace), { maxLength: 6 }), (list) => {
        expect(splitArgs(INPUT, list.map(([w, ws]) => w + ws).join(''))).toEqual(
          list.map(([w]) => w),
        );
      }),
      RUNS,
    );
  });
});

const MANAGED_LONG = [
  'file',
  'format',
  'compress',
  'jobs',
  'dbname',
  'host',
  'port',
  'username',
  'password',
];
const MANAGED_SHORT = [
  'f',
  'F',
  'Z',
  'j',
  'd',
  'h',
  'p',
  'U',
  'W',
  'n',
  'N',
  't',
  'T',
  's',
  'a',
  'V',
  '?',
];

describe('checkExtraArgs', () => {
  it('returns the arguments unchanged only when each is an option, else an InputError naming extra-args', () => {
    const option = valueFor([
      '--no-comments',
      '--inserts',
      '-v',
      '-x',
      '--format=c',
      '-Fc',
      '--',
      '-Z9',
    ]);
    fc.assert(
      fc.property(
        fc.array(option, { maxLength: 4 }),
        fc.constantFrom('archive', 'none'),
        (args, verify) => {
          const result = attempt(() => checkExtraArgs(INPUT, args, verify));
          if (!result.ok)
            return expectStrictInputError(result.error, { inputs: [INPUT], values: args });
          expect(result.value).toEqual(args);
          for (const a of args) {
            expect(a.startsWith('-')).toBe(true);
            expect(a).not.toBe('--');
          }
        },
      ),
      RUNS,
    );
  });

  it('refuses every option the action sets itself, in any spelling', () => {
    const long = fc
      .tuple(fc.constantFrom(...MANAGED_LONG), fc.option(hostileString, { nil: undefined }))
      .map(([name, value]) => (value === undefined ? `--${name}` : `--${name}=${value}`));
    const short = fc
      .tuple(fc.stringMatching(/^[bcOoxv]{0,3}$/), fc.constantFrom(...MANAGED_SHORT), hostileString)
      .map(([flags, letter, rest]) => `-${flags}${letter}${rest}`);
    fc.assert(
      fc.property(fc.oneof(long, short), (option) => {
        const result = attempt(() => checkExtraArgs(INPUT, [option], 'none'));
        expect(result.ok).toBe(false);
        if (!result.ok) expectStrictInputError(result.error, { inputs: [INPUT], values: [option] });
      }),
      RUNS,
    );
  });
});
