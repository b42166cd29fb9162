// Properties of the generic readers: booleans, choices, lists and action.yml's defaults.
import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { oneOf, parseActionDefaults, parseBool, parseList } from '../../../src/inputs/read.js';
import {
  around,
  attempt,
  expectStrictInputError,
  hostileString,
  RUNS,
  valueFor,
} from '../../helpers/hostile-values.js';

const TRUE = ['true', 'True', 'TRUE'];
const FALSE = ['false', 'False', 'FALSE'];
const CHOICES = ['archive', 'none', 'when-required'] as const;

describe('parseBool', () => {
  it('is true or false exactly for the YAML core spellings, else an InputError naming the input', () => {
    fc.assert(
      fc.property(valueFor([...TRUE, ...FALSE, 'yes', '1', 'on']), (raw) => {
        const result = attempt(() => parseBool('schema-only', raw));
        if (TRUE.includes(raw) || FALSE.includes(raw)) {
          expect(result).toEqual({ ok: true, value: TRUE.includes(raw) });
        } else {
          expect(result.ok).toBe(false);
          if (!result.ok)
            expectStrictInputError(result.error, { inputs: ['schema-only'], values: [raw] });
        }
      }),
      RUNS,
    );
  });
});

describe('oneOf', () => {
  it('returns one of the allowed values, or an InputError naming the input and the choices', () => {
    fc.assert(
      fc.property(valueFor(CHOICES), (raw) => {
        const result = attempt(() => oneOf('verify', raw, CHOICES));
        if (result.ok) {
          expect(CHOICES).toContain(result.value);
        } else {
          expectStrictInputError(result.error, { inputs: ['verify'], values: [raw] });
          expect((result.error as Error).message).toContain(CHOICES.join(', '));
        }
      }),
      RUNS,
    );
  });

  it('accepts every allowed value in any letter case', () => {
    fc.assert(
      fc.property(fc.mixedCase(fc.constantFrom(...CHOICES)), (raw) => {
        expect(oneOf('verify', raw, CHOICES)).toBe(raw.toLowerCase());
      }),
      RUNS,
    );
  });
});

/** An item a list can hold: trimmed, not empty, without the separators. */
const item = fc
  .oneof(hostileString, around(['public', 'shop.orders', '"My Table"']))
  .map((s) => s.trim())
  .filter((s) => s !== '' && !/[\n,]/.test(s) && s.trim() === s);

describe('parseList', () => {
  it('gives trimmed, non-empty items without separators for any text', () => {
    fc.assert(
      fc.property(hostileString, (raw) => {
        for (const entry of parseList(raw)) {
          expect(entry).toBe(entry.trim());
          expect(entry).not.toBe('');
          expect(entry).not.toMatch(/[\n,]/);
        }
      }),
      RUNS,
    );
  });

  it('round-trips items joined by commas, newlines and blanks', () => {
    const separator = fc.constantFrom(',', '\n', ', ', ' ,\n', '\r\n', ',,', '\n\n');
    fc.assert(
      fc.property(fc.array(fc.tuple(item, separator), { maxLength: 8 }), (pairs) => {
        const text = pairs.map(([entry, sep]) => `${entry}${sep}`).join('');
        expect(parseList(text)).toEqual(pairs.map(([entry]) => entry));
      }),
      RUNS,
    );
  });
});

describe('parseActionDefaults', () => {
  it('never throws and never yields an expression for any text', () => {
    fc.assert(
      fc.property(hostileString, hostileString, (before, value) => {
        const yaml = `${before}\ninputs:\n  x:\n    default: ${value}\n${before}`;
        for (const v of Object.values(parseActionDefaults(yaml))) {
          expect(typeof v).toBe('string');
          expect(v).not.toContain('${{');
        }
      }),
      RUNS,
    );
  });

  it('reads back single-quoted defaults written for any names and one-line values', () => {
    const name = fc.stringMatching(/^[a-z0-9][a-z0-9-]{0,20}$/);
    const value = hostileString.filter((v) => !/[\n\r\u2028\u2029]/.test(v) && !v.includes('${{'));
    fc.assert(
      fc.property(fc.dictionary(name, value, { maxKeys: 6 }), (defaults) => {
        const lines = Object.entries(defaults).map(
          ([n, v]) => `  ${n}:\n    description: 'x'\n    default: '${v.replace(/'/g, "''")}'`,
        );
        const yaml = `name: x\ninputs:\n${lines.join('\n')}\noutputs:\n  y:\n    description: 'y'\n`;
        expect(parseActionDefaults(yaml)).toEqual(defaults);
      }),
      RUNS,
    );
  });
});
