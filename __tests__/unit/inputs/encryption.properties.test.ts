// Properties of the age key readers: recipients, identities and passphrases.
import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { generateX25519Identity, identityToRecipient } from 'age-encryption';
import { readDecryptionKeys, readEncryptionKeys } from '../../../src/inputs/encryption.js';
import {
  attempt,
  expectStrictInputError,
  hostileString,
  password,
  PIECES,
  readerKind,
  readerOf,
  recordingMask,
  RUNS,
  secretParts,
} from '../../helpers/hostile-values.js';

const IDENTITIES = await Promise.all([1, 2, 3].map(() => generateX25519Identity()));
const RECIPIENTS = await Promise.all(IDENTITIES.map((id) => identityToRecipient(id)));
/** The key body: what no message may show of an identity, however it was written around. */
const bodyOf = (identity: string): string => identity.slice('AGE-SECRET-KEY-1'.length);

const identity = fc.constantFrom(...IDENTITIES);
const keyLine = fc.oneof(
  fc.constantFrom(...RECIPIENTS),
  identity,
  identity.map((id) => id.toLowerCase()),
  fc.constantFrom('# created: 2026', 'ssh-ed25519 AAAAC3Nza', 'age1', 'age1qqqq'),
  fc.constantFrom(...RECIPIENTS).map((r) => r.slice(0, -1)),
  hostileString,
);
const keyText = fc.array(keyLine, { maxLength: 4 }).map((lines) => lines.join('\n'));
const passphrase = fc.oneof(fc.constant(''), password, hostileString);

describe('readEncryptionKeys', () => {
  it('gives valid recipients or a passphrase, or an InputError that shows no secret', () => {
    fc.assert(
      fc.property(readerKind, keyText, passphrase, (kind, recipients, phrase) => {
        const { mask, masked } = recordingMask();
        const read = readerOf(kind, { 'age-recipients': recipients, 'age-passphrase': phrase });
        const result = attempt(() => readEncryptionKeys(read, mask));
        const given = read('age-passphrase');
        if (given) expect(masked[0]).toBe(given);
        if (!result.ok) {
          expectStrictInputError(result.error, {
            inputs: ['age-recipients', 'age-passphrase'],
            values: [recipients],
            secrets: [...secretParts(given), ...IDENTITIES.map(bodyOf)],
          });
          return;
        }
        const keys = result.value;
        if (keys === undefined) return expect(given).toBe('');
        if (given) expect(keys).toEqual({ recipients: [], passphrase: given });
        else for (const r of keys.recipients) expect(RECIPIENTS).toContain(r);
      }),
      RUNS,
    );
  });

  // Regression: a secret key with anything before it on its line (quoted, a YAML list item, after
  // 'key:', even in a comment) was not recognised as one and was echoed whole in the error.
  it('never shows a secret key put among the recipients, however it is written', () => {
    const around = fc.constantFrom(...PIECES.filter((p) => !/[\n\r]/.test(p)));
    fc.assert(
      fc.property(identity, around, around, (id, before, after) => {
        const { mask } = recordingMask();
        const read = readerOf('defaults', { 'age-recipients': `${before}${id}${after}` });
        const result = attempt(() => readEncryptionKeys(read, mask));
        expect(result.ok).toBe(false);
        if (!result.ok) expectStrictInputError(result.error, { secrets: [bodyOf(id)] });
      }),
      { ...RUNS, examples: [[IDENTITIES[0] ?? '', '"', '"']] },
    );
  });
});

describe('readDecryptionKeys', () => {
  it('gives valid identities, every line masked first, or an InputError that shows no key', () => {
    fc.assert(
      fc.property(readerKind, keyText, passphrase, (kind, text, phrase) => {
        const { mask, masked } = recordingMask();
        const read = readerOf(kind, { 'age-identity': text, 'age-passphrase': phrase });
        const result = attempt(() => readDecryptionKeys(read, mask));
        const raw = read('age-identity');
        const lines = raw.split(/\r?\n/).map((l) => l.trim());
        const keyLines = lines.filter((l) => l && !l.startsWith('#'));
        if (read('age-passphrase')) expect(masked).toContain(read('age-passphrase'));
        if (raw) expect(masked).toContain(raw);
        for (const line of keyLines) expect(masked).toContain(line);
        if (!result.ok) {
          expectStrictInputError(result.error, {
            inputs: ['age-identity'],
            secrets: [
              ...secretParts(read('age-passphrase')),
              ...keyLines.filter((l) => l.length > 8),
            ],
          });
          return;
        }
        for (const id of result.value.identities) expect(IDENTITIES).toContain(id);
        expect(result.value.passphrase).toBe(read('age-passphrase') || undefined);
      }),
      RUNS,
    );
  });
});
