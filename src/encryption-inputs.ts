import { InputError } from './errors.js';
import { INPUTS, type Mask, type Read } from './inputs.js';
import type { DecryptionKeys, EncryptionKeys } from './pipeline/encryption.js';

const RECIPIENT = /^age1[0-9a-z]+$/;
const IDENTITY = /^AGE-SECRET-KEY-(PQ-)?1[0-9A-Z]+$/;

/** Non-empty lines that are not `#` comments (age key files have comment lines). */
function keyLines(raw: string): string[] {
  return raw
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
}

/** `age-recipients` and `age-passphrase` for backup; undefined when neither is set. */
export function readEncryptionKeys(read: Read, mask: Mask): EncryptionKeys | undefined {
  const passphrase = read(INPUTS.agePassphrase);
  if (passphrase) mask(passphrase);
  const recipients = keyLines(read(INPUTS.ageRecipients));
  for (const r of recipients) checkRecipient(r);
  if (passphrase && recipients.length) {
    throw new InputError(
      INPUTS.agePassphrase,
      'age encrypts either to recipients or with a passphrase, not both: drop age-passphrase or age-recipients.',
    );
  }
  if (!passphrase && recipients.length === 0) return undefined;
  return passphrase ? { recipients: [], passphrase } : { recipients };
}

function checkRecipient(r: string): void {
  if (r.startsWith('ssh-')) {
    throw new InputError(
      INPUTS.ageRecipients,
      `'${r.slice(0, 20)}…' is an SSH key, which the age implementation used here does not support: create an age key with age-keygen and use its age1… public key.`,
    );
  }
  if (r.startsWith('AGE-SECRET-KEY-')) {
    throw new InputError(
      INPUTS.ageRecipients,
      'holds a secret key (AGE-SECRET-KEY-1…): give the public key (age1…, printed by age-keygen -y), and keep the secret key for restores only.',
    );
  }
  if (!RECIPIENT.test(r)) {
    throw new InputError(
      INPUTS.ageRecipients,
      `'${r}' is not an age public key (age1…, one per line).`,
    );
  }
}

/** `age-identity` and `age-passphrase` for restore; every line is masked as soon as it is read. */
export function readDecryptionKeys(read: Read, mask: Mask): DecryptionKeys {
  const passphrase = read(INPUTS.agePassphrase);
  if (passphrase) mask(passphrase);
  const raw = read(INPUTS.ageIdentity);
  if (raw) mask(raw);
  const identities = keyLines(raw);
  for (const id of identities) {
    mask(id);
    if (!IDENTITY.test(id)) {
      throw new InputError(
        INPUTS.ageIdentity,
        'must hold AGE-SECRET-KEY-1… lines (the contents of an age-keygen key file).',
      );
    }
  }
  return passphrase ? { identities, passphrase } : { identities };
}
