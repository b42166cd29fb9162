// Properties of the id grammar: labels, ids and manifest names.
import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import {
  backupId,
  checkLabel,
  formatTimestamp,
  isManifestOf,
  labelFromDatabase,
  manifestName,
  parseId,
  serialId,
} from '../../../src/catalog/naming.js';
import {
  attempt,
  date,
  expectStrictInputError,
  hostileString,
  label,
  RUNS,
} from '../../helpers/hostile-values.js';

const LABEL = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;

describe('labelFromDatabase', () => {
  it('gives a label that checkLabel accepts for any database name', () => {
    fc.assert(
      fc.property(hostileString, (database) => {
        const derived = labelFromDatabase(database);
        expect(checkLabel('label', derived)).toBe(derived);
      }),
      RUNS,
    );
  });
});

describe('checkLabel', () => {
  it('returns a valid label unchanged, or an InputError naming the input', () => {
    fc.assert(
      fc.property(fc.oneof(label, hostileString), (raw) => {
        const result = attempt(() => checkLabel('label', raw));
        if (result.ok) expect(result.value).toMatch(LABEL);
        else expectStrictInputError(result.error, { inputs: ['label'], values: [raw] });
        expect(result.ok).toBe(LABEL.test(raw));
      }),
      RUNS,
    );
  });
});

describe('parseId', () => {
  it('round-trips backupId and serialId for valid labels and dates', () => {
    fc.assert(
      fc.property(label, date, fc.integer({ min: 1, max: 999 }), (name, at, n) => {
        const id = serialId(backupId(name, at), n);
        expect(parseId(id)).toEqual({ id, label: name, stamp: at, serial: n });
      }),
      RUNS,
    );
  });

  it('is undefined or a consistent id for any text', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          hostileString,
          fc.tuple(hostileString, date).map(([l, d]) => backupId(l, d)),
        ),
        (text) => {
          const parsed = parseId(text);
          if (parsed === undefined) return;
          expect(parsed.id).toBe(text);
          expect(text.startsWith(`${parsed.label}-${formatTimestamp(parsed.stamp)}`)).toBe(true);
          expect(parsed.serial).toBeGreaterThanOrEqual(0);
        },
      ),
      RUNS,
    );
  });
});

describe('isManifestOf', () => {
  it('knows the manifest of each label and of no other label', () => {
    fc.assert(
      fc.property(label, label, date, fc.integer({ min: 1, max: 9 }), (mine, other, at, n) => {
        const name = manifestName(serialId(backupId(mine, at), n));
        expect(isManifestOf(name)).toBe(true);
        expect(isManifestOf(name, mine)).toBe(true);
        expect(isManifestOf(name, other)).toBe(other === mine);
      }),
      RUNS,
    );
  });

  it('is true only for manifest names of ids of that label', () => {
    const name = fc.oneof(
      hostileString,
      hostileString.map((s) => `${s}.manifest.json`),
      fc
        .tuple(fc.oneof(label, hostileString), date, fc.integer({ min: 1, max: 9 }))
        .map(([l, d, n]) => manifestName(serialId(backupId(l, d), n))),
    );
    fc.assert(
      fc.property(name, fc.option(label, { nil: undefined }), (file, of) => {
        if (!isManifestOf(file, of)) return;
        expect(file.endsWith('.manifest.json')).toBe(true);
        if (of !== undefined) expect(file.startsWith(`${of}-`)).toBe(true);
      }),
      RUNS,
    );
  });
});
