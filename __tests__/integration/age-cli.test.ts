// Interoperability with the reference age CLI (Debian's age, installed by scripts/provision.sh):
// (a) what createEncryptor writes, `age -d` decrypts; (b) what `age -r` / `age -R` writes,
// decryptFile decrypts, with keys read from an age-keygen key file through the restore input reader;
// (c) passphrases both ways. age reads passphrases only from a terminal, so those runs go through
// `script` (util-linux), which gives age a pseudo-terminal; the test types when age prompts.
// Armor (`age -a`): the action never writes it and decryptFile does not decode it (the library's
// Decrypter takes the binary format only), so an armored file is checked to be refused cleanly.
import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { generateX25519Identity, identityToRecipient } from 'age-encryption';
import { readDecryptionKeys } from '../../src/inputs/encryption.js';
import { ActionError } from '../../src/errors.js';
import {
  createEncryptor,
  decryptFile,
  type DecryptionKeys,
  type EncryptionKeys,
} from '../../src/pipeline/encryption.js';
import { chunksOf, readableOf } from '../helpers/unit-support.js';

const run = promisify(execFile);
const CHUNK = 64 * 1024;
const SIZES: [string, number][] = [
  ['0 bytes', 0],
  ['1 byte', 1],
  ['exactly 64 KiB', CHUNK],
  ['64 KiB + 1', CHUNK + 1],
  ['3 MiB and a tail', 3 * 1024 * 1024 + 77],
];
const PASSPHRASE = 'tortoise stapler quantum meadow 42';
const hasScript = ['/usr/bin/script', '/bin/script'].some((p) => existsSync(p));

let dir: string;
let keyFile: string;
let identity: string;
let recipient: string;
let serial = 0;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'age-cli-'));
  keyFile = join(dir, 'backup-key.txt');
  await run('age-keygen', ['-o', keyFile]);
  recipient = (await run('age-keygen', ['-y', keyFile])).stdout.trim();
  const text = await readFile(keyFile, 'utf8');
  const keys = readDecryptionKeys(
    (name) => (name === 'age-identity' ? text : ''),
    () => undefined,
  );
  identity = keys.identities[0] ?? '';
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function path(name: string): string {
  serial += 1;
  return join(dir, `${serial}-${name}`);
}

async function plainFile(size: number): Promise<{ file: string; data: Buffer }> {
  const data = randomBytes(size);
  const file = path('plain.bin');
  await writeFile(file, data);
  return { file, data };
}

/** The action's encryption stage, fed in uneven writes, to a file. */
async function encryptWithAction(data: Buffer, keys: EncryptionKeys): Promise<string> {
  const file = path('action.age');
  await pipeline(
    readableOf(chunksOf(data, 9_999)),
    await createEncryptor(keys),
    createWriteStream(file),
  );
  return file;
}

async function decryptWithAction(source: string, keys: DecryptionKeys): Promise<Buffer> {
  const target = path('decrypted.bin');
  await decryptFile(source, target, keys, {});
  return readFile(target);
}

/** `age -d -i key.txt FILE`, the plaintext from its stdout. */
async function ageDecrypt(file: string): Promise<Buffer> {
  const options = { encoding: 'buffer' as const, maxBuffer: 16 * 1024 * 1024 };
  return (await run('age', ['-d', '-i', keyFile, file], options)).stdout;
}

/** Quotes for `sh -c` (the paths are the test's own temp paths). */
function sh(arg: string): string {
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}

/**
 * Runs age on a pseudo-terminal through `script`, typing `passphrase` each time age prompts for it.
 * Resolves with age's exit code and what it printed (the terminal's output).
 */
function ageOnTty(args: string[], passphrase: string): Promise<{ code: number; output: string }> {
  return new Promise((resolve, reject) => {
    const command = ['age', ...args].map(sh).join(' ');
    const child = spawn('script', ['-qec', command, '/dev/null'], {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let output = '';
    let typed = 0;
    const onData = (d: Buffer): void => {
      output += d.toString();
      const prompts = output.match(/passphrase/gi)?.length ?? 0;
      for (; typed < prompts; typed += 1) child.stdin.write(`${passphrase}\n`);
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.stdin.on('error', () => undefined); // EPIPE: a prompt-like error line after age exited
    const timer = setTimeout(() => child.kill(), 30_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      child.stdin.destroy();
      resolve({ code: code ?? -1, output });
    });
  });
}

describe('the action encrypts, the age CLI decrypts', () => {
  it.each(SIZES)('age -d -i key.txt decrypts %s', async (_what, size) => {
    const { data } = await plainFile(size);
    const encrypted = await encryptWithAction(data, { recipients: [recipient] });
    // stdout, not -o: age creates its -o file only on the first byte of plaintext
    expect((await ageDecrypt(encrypted)).equals(data)).toBe(true);
  });

  it('encrypts to several recipients: the age-keygen key decrypts with the CLI', async () => {
    const other = await identityToRecipient(await generateX25519Identity());
    const { data } = await plainFile(CHUNK * 2 + 3);
    const encrypted = await encryptWithAction(data, { recipients: [other, recipient] });
    expect((await ageDecrypt(encrypted)).equals(data)).toBe(true);
  });

  it('age -d refuses a key the backup was not encrypted to', async () => {
    const other = await identityToRecipient(await generateX25519Identity());
    const encrypted = await encryptWithAction(randomBytes(10), { recipients: [other] });
    await expect(run('age', ['-d', '-i', keyFile, encrypted])).rejects.toThrow(
      /no identity matched any of the recipients/,
    );
  });
});

describe('the age CLI encrypts, the action decrypts', () => {
  it('the identity read from an age-keygen key file is the key file secret', () => {
    expect(identity).toMatch(/^AGE-SECRET-KEY-1[0-9A-Z]+$/);
  });

  it.each(SIZES)('decryptFile decrypts `age -r` output of %s', async (_what, size) => {
    const { file, data } = await plainFile(size);
    const encrypted = path('cli.age');
    await run('age', ['-r', recipient, '-o', encrypted, file]);
    expect((await decryptWithAction(encrypted, { identities: [identity] })).equals(data)).toBe(
      true,
    );
  });

  it('decryptFile decrypts `age -R recipients.txt` output encrypted to several keys', async () => {
    const other = await generateX25519Identity();
    const recipients = path('recipients.txt');
    await writeFile(recipients, `# ops\n${await identityToRecipient(other)}\n${recipient}\n`);
    const { file, data } = await plainFile(CHUNK + 500);
    const encrypted = path('cli.age');
    await run('age', ['-R', recipients, '-o', encrypted, file]);
    for (const key of [identity, other]) {
      expect((await decryptWithAction(encrypted, { identities: [key] })).equals(data)).toBe(true);
    }
  });

  it('decryptFile refuses armored `age -a` output with the header message', async () => {
    const { file } = await plainFile(100);
    const encrypted = path('cli.age.txt');
    await run('age', ['-a', '-r', recipient, '-o', encrypted, file]);
    const error = await decryptFile(encrypted, path('out'), { identities: [identity] }, {}).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ActionError);
    expect((error as Error).message).toMatch(/its header could not be read/);
  });
});

(hasScript ? describe : describe.skip)('passphrases, with age on a pseudo-terminal', () => {
  it('age -d with the passphrase decrypts what the action encrypted with it', async () => {
    const { data } = await plainFile(CHUNK + 1);
    const encrypted = await encryptWithAction(data, { recipients: [], passphrase: PASSPHRASE });
    const out = path('cli.bin');
    const result = await ageOnTty(['-d', '-o', out, encrypted], PASSPHRASE);
    expect(result.output).toMatch(/Enter passphrase/);
    expect(result.code).toBe(0);
    expect((await readFile(out)).equals(data)).toBe(true);
  }, 60_000);

  it('age -d with a wrong passphrase fails on the action’s file', async () => {
    const encrypted = await encryptWithAction(randomBytes(10), {
      recipients: [],
      passphrase: PASSPHRASE,
    });
    const result = await ageOnTty(['-d', '-o', path('cli.bin'), encrypted], 'wrong');
    expect(result.code).not.toBe(0);
    expect(result.output).toMatch(/incorrect passphrase/);
  }, 60_000);

  it('decryptFile decrypts what `age -p` encrypted with the passphrase', async () => {
    const { file, data } = await plainFile(2 * CHUNK + 9);
    const encrypted = path('cli.age');
    const result = await ageOnTty(['-p', '-o', encrypted, file], PASSPHRASE);
    expect(result.output).toMatch(/Confirm passphrase/);
    expect(result.code).toBe(0);
    expect((await readFile(encrypted)).toString('latin1', 0, 40)).toMatch(/\n-> scrypt /);
    const plain = await decryptWithAction(encrypted, { identities: [], passphrase: PASSPHRASE });
    expect(plain.equals(data)).toBe(true);
  }, 60_000);
});
