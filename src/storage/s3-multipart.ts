// The S3 requests of one object's upload: one PutObject, or a multipart upload created lazily.
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  PutObjectCommand,
  UploadPartCommand,
  type CompletedPart,
  type PutObjectCommandInput,
  type S3Client,
  type UploadPartCommandOutput,
} from '@aws-sdk/client-s3';

/** S3's most parts per upload. */
export const MAX_PARTS = 10_000;
/**
 * How long abort() waits for requests in flight before it aborts the multipart upload once more (a
 * part that was in flight during the first abort may still land). Short: a cancelled job has
 * seconds before the runner kills it.
 */
const ABORT_WAIT_MS = 5_000;

/** An object's PutObject parameters without a body. */
export type ObjectParams = Omit<PutObjectCommandInput, 'Body'>;

/** A created multipart upload: its id and the checksum its parts carry. */
interface Created {
  UploadId?: string;
  ChecksumAlgorithm?: ObjectParams['ChecksumAlgorithm'];
}

/**
 * One object's upload. Every request carries the object's parameters as lib-storage's Upload sent
 * them (bucket, key, If-None-Match, storage class, encryption, Object Lock, content type). abort()
 * cancels the UploadParts; the requests that create something (CreateMultipartUpload, the final
 * PutObject or CompleteMultipartUpload) it lets answer, to undo what they created.
 */
export class S3Multipart {
  private readonly controller = new AbortController();
  private created?: Promise<Created>;
  private uploadId?: string;
  private readonly parts: CompletedPart[] = [];
  private readonly pending = new Set<Promise<unknown>>();
  /** Whether the final PutObject or CompleteMultipartUpload stored the object. */
  private stored = false;

  constructor(
    private readonly client: S3Client,
    private readonly params: ObjectParams,
  ) {}

  /** The whole object in one PutObject (below one part). */
  async putObject(body: Buffer): Promise<void> {
    this.controller.signal.throwIfAborted();
    const command = new PutObjectCommand({
      ...this.params,
      Body: body,
      ContentLength: body.length,
    });
    await this.store(this.client.send(command));
  }

  /** Uploads one part, creating the multipart upload first when it is the first. */
  async uploadPart(PartNumber: number, Body: Buffer): Promise<void> {
    if (PartNumber > MAX_PARTS) throw new Error(`The object needs more than ${MAX_PARTS} parts.`);
    const { UploadId, ChecksumAlgorithm } = await this.create();
    const command = new UploadPartCommand({
      ...this.params,
      ...(ChecksumAlgorithm && { ChecksumAlgorithm }),
      UploadId,
      PartNumber,
      Body,
      ContentLength: Body.length,
    });
    const out = await this.track(
      this.client.send(command, { abortSignal: this.controller.signal }),
    );
    if (!out.ETag) throw new Error(`Part ${PartNumber} came back without an ETag.`);
    this.parts.push({ PartNumber, ETag: out.ETag, ...checksumsOf(out) });
  }

  /** Completes the multipart upload with every part uploaded, in order, with their checksums. */
  async complete(): Promise<void> {
    const { UploadId } = await this.create();
    const Parts = [...this.parts].sort((a, b) => (a.PartNumber ?? 0) - (b.PartNumber ?? 0));
    this.controller.signal.throwIfAborted();
    const command = new CompleteMultipartUploadCommand({
      ...this.params,
      UploadId,
      MultipartUpload: { Parts },
    });
    await this.store(this.client.send(command));
  }

  /**
   * Cancels the requests in flight and aborts the multipart upload, then waits up to 5 s for the
   * requests to settle and aborts it once more: a part in flight during the first abort may still
   * land. An object the final request stored (it was under way) is deleted; a request still
   * unanswered then is undone when it answers. An upload already gone is not an error; never throws.
   */
  async abort(): Promise<void> {
    this.controller.abort();
    await this.abortUpload();
    const settled = Promise.allSettled([...this.pending]);
    await settledWithin(settled, ABORT_WAIT_MS);
    await this.undo();
    if (this.pending.size > 0) void settled.then(() => this.undo());
  }

  /** Aborts the multipart upload and deletes the object the final request stored; never throws. */
  private async undo(): Promise<void> {
    await this.abortUpload();
    if (!this.stored) return;
    const { Bucket, Key } = this.params;
    await this.client.send(new DeleteObjectCommand({ Bucket, Key })).catch(noop);
  }

  /** The final request: not cancelled by abort(), which must know whether it stored the object. */
  private async store(request: Promise<unknown>): Promise<void> {
    await this.track(request.then(() => void (this.stored = true)));
  }

  /**
   * CreateMultipartUpload, once. Not cancelled by abort(): the upload it may have created on the
   * server must be known to be aborted. Like lib-storage, it names a CRC32 checksum when the client
   * sends checksums whenever supported; every part then carries that checksum.
   */
  private create(): Promise<Created> {
    this.created ??= this.track(
      (async () => {
        const mode = await this.client.config.requestChecksumCalculation();
        const ChecksumAlgorithm =
          mode === 'WHEN_SUPPORTED'
            ? (this.params.ChecksumAlgorithm ?? 'CRC32')
            : this.params.ChecksumAlgorithm;
        const command = new CreateMultipartUploadCommand({ ...this.params, ChecksumAlgorithm });
        const { UploadId } = await this.client.send(command);
        this.uploadId = UploadId;
        return { UploadId, ChecksumAlgorithm };
      })(),
    );
    return this.created;
  }

  private async abortUpload(): Promise<void> {
    if (!this.uploadId) return;
    const { Bucket, Key } = this.params;
    const command = new AbortMultipartUploadCommand({ Bucket, Key, UploadId: this.uploadId });
    await this.client.send(command).catch(noop);
  }

  private track<T>(request: Promise<T>): Promise<T> {
    this.pending.add(request);
    const settled = () => void this.pending.delete(request);
    request.then(settled, settled);
    return request;
  }
}

/** The checksums S3 returned for a part, which CompleteMultipartUpload must repeat. */
function checksumsOf(out: UploadPartCommandOutput): Partial<CompletedPart> {
  const { ChecksumCRC32, ChecksumCRC32C, ChecksumSHA1, ChecksumSHA256 } = out;
  return Object.fromEntries(
    Object.entries({ ChecksumCRC32, ChecksumCRC32C, ChecksumSHA1, ChecksumSHA256 }).filter(
      ([, value]) => value,
    ),
  );
}

/** Waits for a promise to settle, at most `ms`; never throws. */
async function settledWithin(promise: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)));
  await Promise.race([promise.then(noop, noop), timeout]);
  clearTimeout(timer);
}

function noop(): void {}
