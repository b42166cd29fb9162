// The age stage in process: createEncryptor (the backup pipeline's Duplex) and decryptFile (restore's
// whole-file decryption), on temp files. Passphrase encryption through createEncryptor uses age's
// default scrypt work factor (about 1.5 s per encryption or decryption here), so it is tested once;
// the other passphrase cases use ciphertext made with a low work factor.
import { createWriteStream } from 'node:fs';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Encrypter, generateX25519Identity, identityToRecipient } from 'age-encryption';
import { ActionError } from '../../../src/errors.js';
import {
  createEncryptor,
  decryptFile,
  type DecryptionKeys,
  type EncryptionKeys,
} from '../../../src/pipeline/encryption.js';
import { chunksOf, readableOf } from '../../helpers/unit-support.js';

const KIB = 1024;
const MIB = 1024 * KIB;
/** age's payload chunk: 64 KiB of plaintext, 16 bytes of Poly1305 tag each. */
const CHUNK = 64 * KIB;
const PASSPHRASE = 'correct horse battery staple';

interface Key {
  identity: string;
  recipient: string;
}

let dir: string;
let alice: Key;
let bob: Key;
let serial = 0;

async function newKey(): Promise<Key> {
  const identity = await generateX25519Identity();
  return { identity, recipient: await identityToRecipient(identity) };
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'encryption-unit-'));
  [alice, bob] = await Promise.all([newKey(), newKey()]);
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A fresh path in the test directory. */
function path(name: string): string {
  serial += 1;
  return join(dir, `${serial}-${name}`);
}

/** Writes `data` to a file and encrypts it with the pipeline stage, in uneven write sizes. */
async function encryptToFile(data: Buffer, keys: EncryptionKeys): Promise<string> {
  const encrypted = path('data.age');
  const source = readableOf(chunksOf(data, 10_007));
  await pipeline(source, await createEncryptor(keys), createWriteStream(encrypted));
  return encrypted;
}

/** Ciphertext with a low scrypt work factor (fast), as `age -p` would make it with logN 10. */
async function passphraseFile(data: Buffer, passphrase: string): Promise<string> {
  const encrypter = new Encrypter();
  encrypter.setPassphrase(passphrase);
  encrypter.setScryptWorkFactor(10);
  const file = path('scrypt.age');
  await writeFile(file, await encrypter.encrypt(data));
  return file;
}

async function exists(file: string): Promise<boolean> {
  return stat(file).then(
    () => true,
    () => false,
  );
}

/** decryptFile's error (an ActionError) and whether it left an output file. */
async function decryptError(
  source: string,
  keys: DecryptionKeys,
  to: { recipients?: string[]; passphrase?: true },
): Promise<{ error: ActionError; leftOutput: boolean }> {
  const target = path('plain');
  const error = await decryptFile(source, target, keys, to).then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof ActionError)) throw new Error('expected an ActionError', { cause: error });
  return { error, leftOutput: await exists(target) };
}

/** The size of an age payload for `n` plaintext bytes (16-byte tag per 64 KiB chunk, at least one). */
function payloadSize(n: number): number {
  return n + 16 * Math.max(1, Math.ceil(n / CHUNK));
}

describe('createEncryptor → decryptFile with recipients', () => {
  it.each([
    ['0 bytes', 0],
    ['1 byte', 1],
    ['exactly one 64 KiB chunk', CHUNK],
    ['64 KiB + 1', CHUNK + 1],
    ['several MiB and an odd tail', 5 * MIB + 12_345],
  ])('round-trips %s', async (_what, size) => {
    const data = randomBytes(size);
    const encrypted = await encryptToFile(data, { recipients: [alice.recipient] });
    const cipher = await readFile(encrypted);
    expect(cipher.toString('latin1', 0, 40)).toMatch(/^age-encryption\.org\/v1\n-> X25519 /);
    const headerEnd = cipher.indexOf('\n---') + 1;
    const afterMac = cipher.indexOf('\n', headerEnd) + 1;
    // header, 16-byte nonce, then the STREAM payload: nothing is buffered back or lost
    expect(cipher.length - afterMac).toBe(16 + payloadSize(size));
    if (size >= 64) expect(cipher.includes(data.subarray(0, 64))).toBe(false);

    const plain = path('plain');
    await decryptFile(encrypted, plain, { identities: [alice.identity] }, {});
    expect((await readFile(plain)).equals(data)).toBe(true);
    expect((await stat(plain)).mode & 0o777).toBe(0o600);
  });

  it('encrypts to every recipient: each identity alone decrypts', async () => {
    const data = randomBytes(CHUNK * 2 + 7);
    const encrypted = await encryptToFile(data, { recipients: [alice.recipient, bob.recipient] });
    for (const key of [alice, bob]) {
      const plain = path('plain');
      await decryptFile(encrypted, plain, { identities: [key.identity] }, {});
      expect((await readFile(plain)).equals(data)).toBe(true);
    }
  });

  it('decrypts when one of several identities (and an unrelated passphrase) matches', async () => {
    const data = randomBytes(1000);
    const encrypted = await encryptToFile(data, { recipients: [bob.recipient] });
    const plain = path('plain');
    const keys = { identities: [alice.identity, bob.identity], passphrase: PASSPHRASE };
    await decryptFile(encrypted, plain, keys, { recipients: [bob.recipient] });
    expect((await readFile(plain)).equals(data)).toBe(true);
  });

  it('uses a fresh file key each time: the same input never gives the same ciphertext', async () => {
    const data = randomBytes(100);
    const [a, b] = await Promise.all([
      encryptToFile(data, { recipients: [alice.recipient] }),
      encryptToFile(data, { recipients: [alice.recipient] }),
    ]);
    expect((await readFile(a)).equals(await readFile(b))).toBe(false);
  });

  it('passes a failure of an earlier stage through the pipeline instead of hanging', async () => {
    let sent = false;
    const failing = new Readable({
      read() {
        if (sent) this.destroy(new Error('pg_dump exited with code 1'));
        else this.push(randomBytes(CHUNK * 3));
        sent = true;
      },
    });
    const run = pipeline(
      failing,
      await createEncryptor({ recipients: [alice.recipient] }),
      createWriteStream(path('broken.age')),
    );
    await expect(run).rejects.toThrow('pg_dump exited with code 1');
  });

  it('stops when the run is aborted', async () => {
    const controller = new AbortController();
    const endless = new Readable({
      read() {
        this.push(randomBytes(CHUNK));
      },
    });
    const run = pipeline(
      endless,
      await createEncryptor({ recipients: [alice.recipient] }),
      createWriteStream(path('aborted.age')),
      { signal: controller.signal },
    );
    setTimeout(() => controller.abort(), 50);
    await expect(run).rejects.toThrow(/abort/i);
  });
});

describe('createEncryptor → decryptFile with a passphrase', () => {
  it('round-trips 64 KiB + 1 through the scrypt header (age default work factor)', async () => {
    const data = randomBytes(CHUNK + 1);
    const encrypted = await encryptToFile(data, { recipients: [], passphrase: PASSPHRASE });
    const header = (await readFile(encrypted)).subarray(0, 200).toString('latin1');
    expect(header).toMatch(/^age-encryption\.org\/v1\n-> scrypt \S+ 18\n/);
    const plain = path('plain');
    await decryptFile(encrypted, plain, { identities: [], passphrase: PASSPHRASE }, {});
    expect((await readFile(plain)).equals(data)).toBe(true);
  }, 30_000);

  it('decrypts a passphrase file made with another work factor', async () => {
    const data = randomBytes(3 * CHUNK);
    const encrypted = await passphraseFile(data, PASSPHRASE);
    const plain = path('plain');
    await decryptFile(encrypted, plain, { identities: [], passphrase: PASSPHRASE }, {});
    expect((await readFile(plain)).equals(data)).toBe(true);
  });
});

describe('decryptFile refuses the wrong key before writing anything', () => {
  it('names the recipients the backup was encrypted to when the identity does not match', async () => {
    const encrypted = await encryptToFile(randomBytes(500), { recipients: [alice.recipient] });
    const { error, leftOutput } = await decryptError(
      encrypted,
      { identities: [bob.identity] },
      { recipients: [alice.recipient] },
    );
    expect(error.message).toBe(
      `Cannot decrypt the backup: it is encrypted to ${alice.recipient}, and the given age-identity / age-passphrase does not match it.`,
    );
    expect(error.message).not.toContain(bob.identity);
    expect(leftOutput).toBe(false);
  });

  it('names at most three recipients and counts the rest', async () => {
    const keys = await Promise.all([1, 2, 3, 4, 5].map(() => newKey()));
    const recipients = keys.map((k) => k.recipient);
    const encrypted = await encryptToFile(randomBytes(10), { recipients });
    const { error } = await decryptError(
      encrypted,
      { identities: [alice.identity] },
      { recipients },
    );
    expect(error.message).toContain(`to ${recipients.slice(0, 3).join(', ')} and 2 more,`);
    expect(error.message).not.toContain(recipients[3]);
  });

  it('says "with a passphrase" when the passphrase is wrong, and never shows either', async () => {
    const encrypted = await passphraseFile(randomBytes(500), PASSPHRASE);
    const { error, leftOutput } = await decryptError(
      encrypted,
      { identities: [], passphrase: 'wrong horse' },
      { passphrase: true },
    );
    expect(error.message).toBe(
      'Cannot decrypt the backup: it is encrypted with a passphrase, and the given age-identity / age-passphrase does not match it.',
    );
    expect(error.message).not.toMatch(/horse/);
    expect(leftOutput).toBe(false);
  });

  it('refuses an identity for a passphrase backup, and a passphrase for a recipient backup', async () => {
    const byPassphrase = await passphraseFile(randomBytes(10), PASSPHRASE);
    const withIdentity = await decryptError(
      byPassphrase,
      { identities: [alice.identity] },
      { passphrase: true },
    );
    expect(withIdentity.error.message).toMatch(
      /encrypted with a passphrase, and .* does not match/,
    );
    const toAlice = await encryptToFile(randomBytes(10), { recipients: [alice.recipient] });
    const withPassphrase = await decryptError(
      toAlice,
      { identities: [], passphrase: PASSPHRASE },
      { recipients: [alice.recipient] },
    );
    expect(withPassphrase.error.message).toContain(`encrypted to ${alice.recipient}, and`);
  });

  it.each([
    ['recipients', { recipients: ['age1example'] }, 'to age1example'],
    ['a passphrase', { passphrase: true as const }, 'with a passphrase'],
  ])('asks for age-identity when no key is given (encrypted with %s)', async (_w, to, what) => {
    const encrypted = await encryptToFile(randomBytes(10), { recipients: [alice.recipient] });
    const { error, leftOutput } = await decryptError(encrypted, { identities: [] }, to);
    expect(error.message).toBe(
      `The backup is encrypted ${what}: set age-identity (or age-passphrase) to decrypt it.`,
    );
    expect(leftOutput).toBe(false);
  });
});

describe('decryptFile refuses damaged ciphertext and leaves no plaintext', () => {
  const SIZE = 3 * CHUNK + 1000;
  let data: Buffer;
  let cipher: Buffer;
  let payloadStart: number;

  beforeAll(async () => {
    data = randomBytes(SIZE);
    cipher = await readFile(await encryptToFile(data, { recipients: [alice.recipient] }));
    payloadStart = cipher.indexOf('\n', cipher.indexOf('\n---') + 1) + 1 + 16;
  });

  async function damaged(bytes: Buffer): Promise<{ error: ActionError; leftOutput: boolean }> {
    const file = path('damaged.age');
    await writeFile(file, bytes);
    return decryptError(file, { identities: [alice.identity] }, { recipients: [alice.recipient] });
  }

  function flipped(at: number): Buffer {
    const copy = Buffer.from(cipher);
    copy[at] = (copy[at] ?? 0) ^ 0x01;
    return copy;
  }

  it.each([
    ['the last byte cut off', () => cipher.subarray(0, cipher.length - 1)],
    [
      'the last chunk cut off at a chunk boundary',
      () => cipher.subarray(0, payloadStart + 3 * (CHUNK + 16)),
    ],
    ['only the first chunk left', () => cipher.subarray(0, payloadStart + CHUNK + 16)],
    ['nothing left after the nonce', () => cipher.subarray(0, payloadStart)],
    ['trailing bytes appended', () => Buffer.concat([cipher, Buffer.from('extra')])],
    ['one flipped byte in the middle', () => flipped(Math.floor(cipher.length / 2))],
    ['one flipped byte in the last chunk', () => flipped(cipher.length - 20)],
  ])('%s: "damaged or truncated"', async (_what, bytes) => {
    const { error, leftOutput } = await damaged(bytes());
    expect(error.message).toMatch(
      /^The encrypted backup is damaged or truncated \(.+\); nothing was restored\.$/,
    );
    expect(leftOutput).toBe(false);
  });

  it.each([
    ['one flipped byte in the header MAC', () => flipped(cipher.indexOf('\n---') + 10)],
    ['one flipped byte in the recipient stanza', () => flipped(40)],
    ['cut inside the header', () => cipher.subarray(0, 60)],
    ['cut inside the nonce', () => cipher.subarray(0, payloadStart - 8)],
    ['an empty file', () => Buffer.alloc(0)],
    ['not an age file', () => Buffer.from('PGDMP\x01\x10\x00 custom archive')],
  ])('%s: names the header problem', async (_what, bytes) => {
    const { error, leftOutput } = await damaged(bytes());
    expect(error.message).toMatch(
      new RegExp(
        `^Cannot decrypt the backup: it is encrypted to ${alice.recipient}, and (its header could not be read \\(.+\\)|the given age-identity / age-passphrase does not match it)\\.$`,
      ),
    );
    expect(leftOutput).toBe(false);
  });

  it('still decrypts the undamaged file (the damage cases above used copies)', async () => {
    const file = path('good.age');
    await writeFile(file, cipher);
    const plain = path('plain');
    await decryptFile(file, plain, { identities: [alice.identity] }, {});
    expect((await readFile(plain)).equals(data)).toBe(true);
  });
});
