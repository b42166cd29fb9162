// age encryption with node's own ChaCha20-Poly1305 (OpenSSL) for the payload: the header (the
// recipients' stanzas and its MAC) comes from the age-encryption library, whose JavaScript cipher
// would otherwise encrypt every byte of the backup on the event loop at a tenth of the speed.
import { createCipheriv, hkdfSync, randomBytes, scrypt } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { Encrypter, Stanza, type Recipient } from 'age-encryption';

// The age v1 payload (age-encryption.org/v1): 64 KiB chunks, each sealed with a 16-byte tag.
const CHUNK = 64 * 1024;
const TAG = 16;
const NONCE = 16;
// The work factor the age CLI and age-encryption use for a passphrase (2^18).
const SCRYPT_LOG_N = 18;

/** Who may decrypt: age1… recipients, or one passphrase. */
export interface AgeKeys {
  recipients: string[];
  passphrase?: string;
}

/**
 * The age header and payload nonce for `keys`, and the payload key: the library writes the header
 * of an empty file, a recipient of our own learns the file key it wraps.
 */
export async function ageHeader(keys: AgeKeys): Promise<{ prefix: Buffer; payloadKey: Buffer }> {
  let fileKey: Uint8Array | undefined;
  const capture: Recipient = {
    wrapFileKey: (key) => {
      fileKey = key;
      return [];
    },
  };
  const encrypter = new Encrypter();
  if (keys.passphrase !== undefined) encrypter.addRecipient(scryptRecipient(keys.passphrase));
  for (const recipient of keys.recipients) encrypter.addRecipient(recipient);
  encrypter.addRecipient(capture);
  const empty = Buffer.from(await encrypter.encrypt(new Uint8Array(0)));
  if (!fileKey) throw new Error('age-encryption did not wrap a file key');
  // An empty file is header, nonce and one sealed empty chunk (a tag alone).
  const prefix = empty.subarray(0, empty.length - TAG);
  const nonce = prefix.subarray(prefix.length - NONCE);
  const payloadKey = Buffer.from(hkdfSync('sha256', fileKey, nonce, 'payload', 32));
  return { prefix, payloadKey };
}

/** The scrypt stanza of age's spec: the file key sealed with a key derived from the passphrase. */
function scryptRecipient(passphrase: string): Recipient {
  return {
    wrapFileKey: async (fileKey) => {
      const salt = randomBytes(16);
      const label = Buffer.concat([Buffer.from('age-encryption.org/v1/scrypt'), salt]);
      const N = 2 ** SCRYPT_LOG_N;
      const key = await new Promise<Buffer>((resolve, reject) =>
        scrypt(passphrase, label, 32, { N, r: 8, p: 1, maxmem: 300 * N * 8 }, (error, k) =>
          error ? reject(error) : resolve(k),
        ),
      );
      const body = seal(key, Buffer.alloc(12), Buffer.from(fileKey));
      const args = ['scrypt', salt.toString('base64').replace(/=+$/, ''), String(SCRYPT_LOG_N)];
      return [new Stanza(args, Uint8Array.from(Buffer.concat(body)))];
    },
  };
}

function seal(key: Buffer, nonce: Buffer, data: Buffer): [Buffer, Buffer] {
  const cipher = createCipheriv('chacha20-poly1305', key, nonce, { authTagLength: TAG });
  const sealed = cipher.update(data);
  cipher.final();
  return [sealed, cipher.getAuthTag()];
}

/**
 * The age payload as a stream stage: the header first, then the plaintext in 64 KiB chunks, each
 * sealed with a counter nonce; the last one (which may be full, and is empty only for an empty
 * input) flagged as last.
 */
export class AgeStream extends Transform {
  private readonly chunk = Buffer.allocUnsafe(CHUNK);
  private used = 0;
  private counter = 0;
  private started = false;

  constructor(
    private readonly prefix: Buffer,
    private readonly key: Buffer,
  ) {
    super({ highWaterMark: 256 << 10 });
  }

  override _transform(data: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.start();
    for (let at = 0; at < data.length;) {
      if (this.used === CHUNK) this.sealChunk(this.chunk, false);
      const n = Math.min(CHUNK - this.used, data.length - at);
      data.copy(this.chunk, this.used, at, at + n);
      this.used += n;
      at += n;
    }
    done();
  }

  override _flush(done: TransformCallback): void {
    this.start();
    this.sealChunk(this.chunk.subarray(0, this.used), true);
    done();
  }

  private start(): void {
    if (this.started) return;
    this.started = true;
    this.push(this.prefix);
  }

  private sealChunk(plain: Buffer, last: boolean): void {
    const nonce = Buffer.alloc(12);
    nonce.writeUIntBE(this.counter, 5, 6);
    nonce[11] = last ? 1 : 0;
    const [sealed, tag] = seal(this.key, nonce, plain);
    this.push(sealed);
    this.push(tag);
    this.counter += 1;
    this.used = 0;
  }
}
