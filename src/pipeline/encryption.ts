import { createReadStream, createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { Duplex, Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream } from 'node:stream/web';
import { Decrypter } from 'age-encryption';
import { ActionError } from '../errors.js';
import { AgeStream, ageHeader } from './age-stream.js';

/** How a backup is encrypted: to age recipients, or with a passphrase (age allows one or the other). */
export interface EncryptionKeys {
  /** `age1…` public keys. */
  recipients: string[];
  /** A passphrase (scrypt). */
  passphrase?: string;
}

/** What can decrypt: `AGE-SECRET-KEY-1…` identities and/or a passphrase. */
export interface DecryptionKeys {
  identities: string[];
  passphrase?: string;
}

/**
 * The age encryption stage: a Duplex for the backup pipeline (after compression, before the
 * checksum), streaming in 64 KiB age chunks with the reference implementation's format, sealed by
 * node's native ChaCha20-Poly1305 (age-stream.ts).
 */
export async function createEncryptor(keys: EncryptionKeys): Promise<Duplex> {
  const { prefix, payloadKey } = await ageHeader(keys);
  return new AgeStream(prefix, payloadKey);
}

/**
 * Decrypts a whole age file to a 0600 file, so a wrong key, a truncated or a tampered ciphertext
 * fails before anything touches the restore target. The error names what the backup was encrypted to.
 */
export async function decryptFile(
  source: string,
  target: string,
  keys: DecryptionKeys,
  encryptedTo: { recipients?: string[]; passphrase?: true },
): Promise<void> {
  const decrypter = new Decrypter();
  for (const identity of keys.identities) decrypter.addIdentity(identity);
  if (keys.passphrase !== undefined) decrypter.addPassphrase(keys.passphrase);
  const what = describeEncryption(encryptedTo);
  if (keys.identities.length === 0 && keys.passphrase === undefined) {
    throw new ActionError(
      `The backup is encrypted ${what}: set age-identity (or age-passphrase) to decrypt it.`,
    );
  }
  let plain: ReadableStream<Uint8Array>;
  try {
    const web = Readable.toWeb(createReadStream(source)) as ReadableStream<Uint8Array>;
    plain = await decrypter.decrypt(web);
  } catch (error) {
    throw new ActionError(
      `Cannot decrypt the backup: it is encrypted ${what}, and ${keyProblem(error)}.`,
      { cause: error },
    );
  }
  try {
    await pipeline(Readable.fromWeb(plain), createWriteStream(target, { mode: 0o600 }));
  } catch (error) {
    // Every chunk is authenticated, but the ones before the damage were already written.
    await rm(target, { force: true });
    throw new ActionError(
      `The encrypted backup is damaged or truncated (${(error as Error).message}); nothing was restored.`,
      {
        cause: error,
      },
    );
  }
}

function describeEncryption(to: { recipients?: string[]; passphrase?: true }): string {
  if (to.passphrase) return 'with a passphrase';
  const recipients = to.recipients ?? [];
  if (recipients.length === 0) return 'with age';
  const shown = recipients.slice(0, 3).join(', ');
  return `to ${shown}${recipients.length > 3 ? ` and ${recipients.length - 3} more` : ''}`;
}

function keyProblem(error: unknown): string {
  const message = (error as Error).message || String(error);
  if (/no identity matched|incorrect passphrase|scrypt/i.test(message)) {
    return 'the given age-identity / age-passphrase does not match it';
  }
  return `its header could not be read (${message})`;
}
