import { Decrypter, Encrypter } from 'age-encryption';
import { InputError } from '../errors.js';
import { INPUTS, type Mask, type Read } from './read.js';
import type { DecryptionKeys, EncryptionKeys } from '../pipeline/encryption.js';

const RECIPIENT = /^age1[0-9a-z]+$/;
const IDENTITY = /^AGE-SECRET-KEY-(PQ-)?1[0-9A-Z]+$/;

/** Non-empty lines that are not `#` comments (age key files have comment lines). */
function keyLines(raw: string): string[] {
  return raw
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
}

/** Whether age itself accepts the key (bech32 checksum, length); its errors would echo the key. */
function ageAccepts(add: () => void): boolean {
  try {
    add();
    return true;
  } catch {
    return false;
  }
}

/** `age-recipients` and `age-passphrase` for backup; undefined when neither is set. */
export function readEncryptionKeys(read: Read, mask: Mask): EncryptionKeys | undefined {
  const passphrase = read(INPUTS.agePassphrase);
  if (passphrase) mask(passphrase);
  const raw = read(INPUTS.ageRecipients);
  rejectSecretKeys(raw, mask);
  const recipients = keyLines(raw);
  for (const r of recipients) checkRecipient(r, mask);
  if (passphrase && recipients.length) {
    throw new InputError(
      INPUTS.agePassphrase,
      'age encrypts either to recipients or with a passphrase, not both: drop age-passphrase or age-recipients.',
    );
  }
  if (!passphrase && recipients.length === 0) return undefined;
  return passphrase ? { recipients: [], passphrase } : { recipients };
}

/** A secret key anywhere in age-recipients (comments too) has leaked into public configuration. */
function rejectSecretKeys(raw: string, mask: Mask): void {
  const keys = raw.match(/AGE-SECRET-KEY-[0-9A-Z-]*/gi);
  if (!keys) return;
  keys.forEach((k) => mask(k));
  throw new InputError(
    INPUTS.ageRecipients,
    'holds a secret key (AGE-SECRET-KEY-1…): give the public key (age1…, printed by age-keygen -y), and keep the secret key for restores only.',
  );
}

function checkRecipient(r: string, mask: Mask): void {
  if (r.startsWith('ssh-')) {
    throw new InputError(
      INPUTS.ageRecipients,
      `'${r.slice(0, 20)}…' is an SSH key, which the age implementation used here does not support: create an age key with age-keygen and use its age1… public key.`,
    );
  }
  if (/AGE-SECRET-KEY-/i.test(r)) {
    mask(r);
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
  if (!ageAccepts(() => new Encrypter().addRecipient(r))) {
    throw new InputError(
      INPUTS.ageRecipients,
      `'${r}' is not a valid age public key (its checksum or length is wrong): copy it again from age-keygen -y.`,
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
  identities.forEach((id) => mask(id));
  identities.forEach(checkIdentity);
  return passphrase ? { identities, passphrase } : { identities };
}

/** Never echoes the key: a near-miss is still a secret. */
function checkIdentity(id: string, index: number): void {
  if (!IDENTITY.test(id)) {
    throw new InputError(
      INPUTS.ageIdentity,
      'must hold AGE-SECRET-KEY-1… lines (the contents of an age-keygen key file).',
    );
  }
  if (!ageAccepts(() => new Decrypter().addIdentity(id))) {
    throw new InputError(
      INPUTS.ageIdentity,
      `key ${index + 1} is not a valid age secret key (its checksum or length is wrong): copy the AGE-SECRET-KEY-1… line again from the key file.`,
    );
  }
}
