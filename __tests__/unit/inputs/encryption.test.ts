// age-recipients / age-passphrase (backup) and age-identity / age-passphrase (restore): parsing,
// refusals with clear messages, masking, and no secret in any error.
import { beforeAll, describe, expect, it } from '@jest/globals';
import {
  generateHybridIdentity,
  generateX25519Identity,
  identityToRecipient,
} from 'age-encryption';
import { readDecryptionKeys, readEncryptionKeys } from '../../../src/inputs/encryption.js';
import { InputError } from '../../../src/errors.js';
import { maskRecorder, readerOf, thrown } from '../../helpers/unit-support.js';

const PASSPHRASE = 'correct horse battery staple';
const SSH_ED25519 =
  'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHtJpXs0Ce0GuZcP3XOLbCBqVRVGqPg/NtX0mW6d6Q9y ops@example.com';
const SSH_RSA = 'ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQC7 ops@example.com';

let identity: string;
let recipient: string;
let other: { identity: string; recipient: string };

beforeAll(async () => {
  identity = await generateX25519Identity();
  recipient = await identityToRecipient(identity);
  const second = await generateX25519Identity();
  other = { identity: second, recipient: await identityToRecipient(second) };
});

/** The key file `age-keygen -o key.txt` writes. */
function keyFile(secret: string, publicKey: string): string {
  return `# created: 2026-11-22T02:00:00Z\n# public key: ${publicKey}\n${secret}\n`;
}

/** The same key with one character changed (so its bech32 checksum no longer matches). */
function typo(key: string): string {
  const at = key.length - 10;
  const swap = key[at] === 'Q' || key[at] === 'q' ? 'P' : 'Q';
  const c = key === key.toUpperCase() ? swap : swap.toLowerCase();
  return key.slice(0, at) + c + key.slice(at + 1);
}

function backupKeys(given: Record<string, string>) {
  const { mask, masked } = maskRecorder();
  return { keys: readEncryptionKeys(readerOf(given), mask), masked };
}

function backupError(given: Record<string, string>): { error: Error; masked: string[] } {
  const { mask, masked } = maskRecorder();
  return { error: thrown(() => readEncryptionKeys(readerOf(given), mask)), masked };
}

function restoreKeys(given: Record<string, string>) {
  const { mask, masked } = maskRecorder();
  return { keys: readDecryptionKeys(readerOf(given), mask), masked };
}

function restoreError(given: Record<string, string>): { error: Error; masked: string[] } {
  const { mask, masked } = maskRecorder();
  return { error: thrown(() => readDecryptionKeys(readerOf(given), mask)), masked };
}

/** No secret, in any letter case, is in the message. */
function expectNoSecret(error: Error, secrets: string[]): void {
  const message = error.message.toLowerCase();
  for (const secret of secrets) expect(message).not.toContain(secret.toLowerCase());
}

describe('readEncryptionKeys (backup)', () => {
  it('is undefined when neither age-recipients nor age-passphrase is set', () => {
    expect(backupKeys({}).keys).toBeUndefined();
    expect(backupKeys({ 'age-recipients': '\n  \n# only a comment\n' }).keys).toBeUndefined();
  });

  it('reads recipients one per line, skipping comments, blank lines and surrounding spaces', () => {
    const raw = `# ops team\n${recipient}\n\n   \n  # break-glass key, in the safe\n  ${other.recipient}  \r\n`;
    const { keys, masked } = backupKeys({ 'age-recipients': raw });
    expect(keys).toEqual({ recipients: [recipient, other.recipient] });
    expect(masked).toEqual([]);
  });

  it('reads a post-quantum hybrid recipient (age1pq1…)', async () => {
    const pq = await identityToRecipient(await generateHybridIdentity());
    expect(pq.startsWith('age1pq1')).toBe(true);
    expect(backupKeys({ 'age-recipients': pq }).keys).toEqual({ recipients: [pq] });
  });

  it('reads a passphrase, masked, as passphrase encryption with no recipients', () => {
    const { keys, masked } = backupKeys({ 'age-passphrase': PASSPHRASE });
    expect(keys).toEqual({ recipients: [], passphrase: PASSPHRASE });
    expect(masked).toEqual([PASSPHRASE]);
  });

  it.each([
    ['a word', 'alice', /'alice' is not an age public key \(age1…, one per line\)/],
    ['an e-mail address', 'ops@example.com', /'ops@example\.com' is not an age public key/],
    ['upper case', 'AGE1QQQQ', /'AGE1QQQQ' is not an age public key/],
    ['too short', 'age1notakey', /'age1notakey' is not a valid age public key .*age-keygen -y/],
    ['two keys on one line', 'age1abc age1def', /'age1abc age1def' is not an age public key/],
  ])('refuses %s naming the input and the value', (_why, value, pattern) => {
    const { error } = backupError({ 'age-recipients': `${recipient}\n${value}` });
    expect(error).toBeInstanceOf(InputError);
    expect(error.message).toContain("Input 'age-recipients'");
    expect(error.message).toMatch(pattern);
  });

  it('refuses a recipient with a typo (bad checksum) at input time', () => {
    const bad = typo(recipient);
    const { error } = backupError({ 'age-recipients': bad });
    expect(error).toBeInstanceOf(InputError);
    expect(error.message).toContain(`'${bad}' is not a valid age public key`);
    expect(error.message).toContain('checksum');
  });

  it.each([
    ['ssh-ed25519', SSH_ED25519],
    ['ssh-rsa', SSH_RSA],
  ])('refuses an %s key saying that SSH keys are not supported and what to use', (_t, key) => {
    const { error } = backupError({ 'age-recipients': key });
    expect(error).toBeInstanceOf(InputError);
    expect(error.message).toContain("Input 'age-recipients'");
    expect(error.message).toContain('is an SSH key');
    expect(error.message).toContain('age-keygen');
    expect(error.message).toContain('age1…');
  });

  it('refuses a secret key given as a recipient, masks it and never echoes it', () => {
    const { error, masked } = backupError({ 'age-recipients': keyFile(identity, recipient) });
    expect(error).toBeInstanceOf(InputError);
    expect(error.message).toContain('holds a secret key');
    expect(error.message).toContain('age-keygen -y');
    expect(masked).toContain(identity);
    expectNoSecret(error, [identity]);
  });

  it('refuses a secret key in lower case (bech32 is case-insensitive) without echoing it', () => {
    const lower = identity.toLowerCase();
    const { error, masked } = backupError({ 'age-recipients': lower });
    expect(error.message).toContain('holds a secret key');
    expect(masked).toContain(lower);
    expectNoSecret(error, [identity]);
  });

  it('refuses age-passphrase together with age-recipients, after masking the passphrase', () => {
    const { error, masked } = backupError({
      'age-passphrase': PASSPHRASE,
      'age-recipients': recipient,
    });
    expect(error).toBeInstanceOf(InputError);
    expect(error.message).toContain("Input 'age-passphrase'");
    expect(error.message).toContain('not both');
    expect(masked).toEqual([PASSPHRASE]);
    expectNoSecret(error, [PASSPHRASE]);
  });

  it('masks the passphrase even when a recipient line is refused', () => {
    const { error, masked } = backupError({ 'age-passphrase': PASSPHRASE, 'age-recipients': 'x' });
    expect(error.message).toContain("Input 'age-recipients'");
    expect(masked).toEqual([PASSPHRASE]);
    expectNoSecret(error, [PASSPHRASE]);
  });
});

describe('readDecryptionKeys (restore)', () => {
  it('has no keys when neither age-identity nor age-passphrase is set', () => {
    const { keys, masked } = restoreKeys({});
    expect(keys).toEqual({ identities: [] });
    expect(masked).toEqual([]);
  });

  it('reads the identity from a whole age-keygen key file, skipping its comments', () => {
    const file = keyFile(identity, recipient);
    const { keys, masked } = restoreKeys({ 'age-identity': file });
    expect(keys).toEqual({ identities: [identity] });
    expect(masked).toEqual(expect.arrayContaining([file.trim(), identity]));
    expect(masked).not.toContain(`# public key: ${recipient}`);
  });

  it('reads several identities (key files one after another, CRLF line ends) and masks each', () => {
    const raw = (keyFile(identity, recipient) + '\n' + keyFile(other.identity, other.recipient))
      .split('\n')
      .join('\r\n');
    const { keys, masked } = restoreKeys({ 'age-identity': raw });
    expect(keys).toEqual({ identities: [identity, other.identity] });
    expect(masked).toEqual(expect.arrayContaining([raw.trim(), identity, other.identity]));
  });

  it('reads a post-quantum hybrid identity (AGE-SECRET-KEY-PQ-1…)', async () => {
    const pq = await generateHybridIdentity();
    expect(restoreKeys({ 'age-identity': pq }).keys).toEqual({ identities: [pq] });
  });

  it('reads and masks a passphrase, alone or with identities', () => {
    const alone = restoreKeys({ 'age-passphrase': PASSPHRASE });
    expect(alone.keys).toEqual({ identities: [], passphrase: PASSPHRASE });
    expect(alone.masked).toEqual([PASSPHRASE]);
    const both = restoreKeys({ 'age-passphrase': PASSPHRASE, 'age-identity': identity });
    expect(both.keys).toEqual({ identities: [identity], passphrase: PASSPHRASE });
    expect(both.masked).toEqual(expect.arrayContaining([PASSPHRASE, identity]));
  });

  it.each([
    ['a public key instead', () => recipient],
    ['an SSH private key line', () => '-----BEGIN OPENSSH PRIVATE KEY-----'],
    ['a key in lower case', () => identity.toLowerCase()],
    ['a key with a prefix', () => `key: ${identity}`],
    ['a cut-off key', () => identity.slice(0, 40)],
  ])('refuses %s without echoing it', (_why, value) => {
    const raw = value();
    const { error, masked } = restoreError({ 'age-identity': raw });
    expect(error).toBeInstanceOf(InputError);
    expect(error.message).toContain("Input 'age-identity'");
    expect(error.message).toContain('AGE-SECRET-KEY-1…');
    expect(masked).toContain(raw);
    expectNoSecret(error, [raw, identity]);
  });

  it('refuses a key with a typo (bad checksum) naming which key, never the key', () => {
    const bad = typo(other.identity);
    const raw = `${keyFile(identity, recipient)}${keyFile(bad, other.recipient)}`;
    const { error, masked } = restoreError({ 'age-identity': raw, 'age-passphrase': PASSPHRASE });
    expect(error).toBeInstanceOf(InputError);
    expect(error.message).toContain("Input 'age-identity': key 2 is not a valid age secret key");
    expect(masked).toEqual(expect.arrayContaining([PASSPHRASE, raw.trim(), identity, bad]));
    expectNoSecret(error, [identity, bad, other.identity, PASSPHRASE]);
  });

  it('masks every line before refusing any of them', () => {
    const raw = `not a key\n${identity}`;
    const { masked } = restoreError({ 'age-identity': raw });
    expect(masked).toEqual(expect.arrayContaining(['not a key', identity]));
  });
});
