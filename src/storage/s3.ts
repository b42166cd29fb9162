import { Readable } from 'node:stream';
import {
  AbortMultipartUploadCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  ListMultipartUploadsCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  paginateListObjectsV2,
  PutObjectCommand,
  type PutObjectCommandInput,
  type S3Client,
} from '@aws-sdk/client-s3';
import { retentionParams, type RetentionOf } from './s3-lock.js';
import { ActionError } from '../errors.js';
import type { S3Settings } from '../settings.js';
import { createS3Client, partSizeFor, regionFor, s3ClientConfig } from './s3-client.js';
import { isPreconditionFailure, s3Failure, type S3Place } from './s3-errors.js';
import { s3Url, type S3Location } from './s3-names.js';

export type { S3Location } from './s3-names.js';
import { S3Writer } from './s3-writer.js';
import { MAX_SMALL_BYTES, tooLarge } from './small-object.js';
import {
  type Committed,
  type ObjectWriter,
  type RemoveFailure,
  type Store,
  type StoredFile,
  type WriteHints,
} from './store.js';

/**
 * `s3://bucket/prefix/` on AWS S3 or an S3-compatible service. Objects are never overwritten: every
 * write sends `If-None-Match: *` (AWS S3, R2, MinIO refuse to replace an existing key) and is
 * preceded by a listing of the key, for services that ignore the header (s3rver, older MinIO).
 * Data objects are multipart uploads completed only in `commit()`; see S3Writer.
 */
export class S3Store implements Store {
  readonly description: string;
  private readonly client: S3Client;
  private readonly endpoint?: string;
  private readonly region?: string;

  constructor(
    private readonly location: S3Location,
    private readonly settings: S3Settings,
    env: NodeJS.ProcessEnv,
    private readonly retentionOf: RetentionOf = () => undefined,
  ) {
    this.description = s3Url(location);
    this.client = createS3Client(s3ClientConfig(settings, env));
    this.endpoint = settings.endpoint;
    this.region = regionFor(settings, env);
  }

  /** Names here are free for any writer to take: holding one needs a conditional create. */
  readonly runScoped = false;

  /** `If-None-Match: *` where honoured, after an exact-key listing for services that ignore it. */
  async createIfAbsent(fileName: string, body: string): Promise<boolean> {
    const key = this.keyOf(fileName);
    if ((await this.firstKey(key, this.locationOf(fileName))) === key) return false;
    // The length given: without it an empty body (a claim) makes the SDK warn of a stream of unknown length.
    const params = {
      ...this.putParams(fileName),
      Body: body,
      ContentLength: Buffer.byteLength(body),
    };
    try {
      await this.client.send(new PutObjectCommand(params));
      return true;
    } catch (error) {
      if (isPreconditionFailure(error)) return false;
      throw s3Failure(error, this.place(fileName));
    }
  }

  openWriter(fileName: string, hints: WriteHints = {}): Promise<ObjectWriter> {
    return Promise.resolve(
      new S3Writer({
        client: this.client,
        params: { ...this.putParams(fileName), StorageClass: this.storageClass() },
        partSize: partSizeFor(hints.sizeHint),
        location: this.locationOf(fileName),
        ensureAbsent: () => this.ensureAbsent(fileName),
        fail: (error) => s3Failure(error, this.place(fileName)),
      }),
    );
  }

  async writeSmall(fileName: string, body: string): Promise<Committed> {
    await this.ensureAbsent(fileName);
    const params = {
      ...this.putParams(fileName),
      Body: body,
      ContentLength: Buffer.byteLength(body),
      ContentType: 'application/json',
    };
    await this.call(fileName, () => this.client.send(new PutObjectCommand(params)));
    return { location: this.locationOf(fileName) };
  }

  async readSmall(fileName: string): Promise<string> {
    return this.call(fileName, async () => {
      const { Body, ContentLength = 0 } = await this.client.send(this.getCommand(fileName));
      if (ContentLength > MAX_SMALL_BYTES) {
        if (Body instanceof Readable) Body.destroy();
        throw tooLarge(this.locationOf(fileName), ContentLength);
      }
      return (await Body?.transformToString('utf8')) ?? '';
    });
  }

  async openReader(fileName: string): Promise<Readable> {
    const { Body } = await this.call(fileName, () => this.client.send(this.getCommand(fileName)));
    if (Body instanceof Readable) return Body;
    throw new ActionError(`${this.locationOf(fileName)} came back without a readable body.`);
  }

  async remove(fileName: string): Promise<void> {
    const params = { Bucket: this.location.bucket, Key: this.keyOf(fileName) };
    await this.call(fileName, () => this.client.send(new DeleteObjectCommand(params)));
  }

  /** DeleteObjects, 1,000 keys a request (the most S3 takes), in the order given. */
  async removeMany(fileNames: string[]): Promise<RemoveFailure[]> {
    const failures: RemoveFailure[] = [];
    for (let at = 0; at < fileNames.length; at += 1000)
      failures.push(...(await this.deleteObjects(fileNames.slice(at, at + 1000))));
    return failures;
  }

  private async deleteObjects(fileNames: string[]): Promise<RemoveFailure[]> {
    const Objects = fileNames.map((name) => ({ Key: this.keyOf(name) }));
    const command = new DeleteObjectsCommand({
      Bucket: this.location.bucket,
      Delete: { Objects, Quiet: true },
    });
    const { Errors = [] } = await this.call('', () => this.client.send(command));
    return Errors.map((e) => ({
      fileName: (e.Key ?? '').slice(this.location.prefix.length),
      reason: `${e.Code ?? 'error'}: ${e.Message ?? 'not deleted'}`,
    }));
  }

  async list(prefix: string): Promise<StoredFile[]> {
    const files: StoredFile[] = [];
    const input = { Bucket: this.location.bucket, Prefix: this.keyOf(prefix), Delimiter: '/' };
    await this.call('', async () => {
      for await (const page of paginateListObjectsV2({ client: this.client }, input))
        for (const { Key, LastModified } of page.Contents ?? [])
          if (Key && LastModified)
            files.push({
              fileName: Key.slice(this.location.prefix.length),
              modified: LastModified,
            });
    });
    return files;
  }

  async abortUploads(fileName: string): Promise<void> {
    const Bucket = this.location.bucket;
    const Key = this.keyOf(fileName);
    const { Uploads = [] } = await this.call(fileName, () =>
      this.client.send(new ListMultipartUploadsCommand({ Bucket, Prefix: Key })),
    );
    for (const upload of Uploads.filter((u) => u.Key === Key && u.UploadId)) {
      const UploadId = upload.UploadId;
      await this.call(fileName, () =>
        this.client.send(new AbortMultipartUploadCommand({ Bucket, Key, UploadId })),
      );
    }
  }

  localPath(): undefined {
    return undefined;
  }

  locationOf(fileName: string): string {
    return s3Url(this.location, fileName);
  }

  /** Fails when the object exists (needs only s3:ListBucket, unlike HeadObject's s3:GetObject). */
  private async ensureAbsent(fileName: string): Promise<void> {
    const key = this.keyOf(fileName);
    if ((await this.firstKey(key, this.locationOf(fileName))) !== key) return;
    throw new ActionError(
      `${this.locationOf(fileName)} already exists; a backup is never overwritten. Run again to get a new id.`,
    );
  }

  /** The first key that starts with `prefix` (keys sort by bytes, so an exact match comes first). */
  private async firstKey(prefix: string, target: string): Promise<string | undefined> {
    const command = new ListObjectsV2Command({
      Bucket: this.location.bucket,
      Prefix: prefix,
      MaxKeys: 1,
    });
    const page = await this.client.send(command).catch((error: unknown) => {
      throw s3Failure(error, { ...this.place(''), target });
    });
    return page.Contents?.[0]?.Key;
  }

  private putParams(fileName: string): Omit<PutObjectCommandInput, 'Body'> {
    return {
      Bucket: this.location.bucket,
      Key: this.keyOf(fileName),
      IfNoneMatch: '*',
      ContentType: 'application/octet-stream',
      ServerSideEncryption: this.settings.sse,
      SSEKMSKeyId: this.settings.kmsKeyId,
      ...retentionParams(this.retentionOf(fileName)),
    };
  }

  private storageClass(): PutObjectCommandInput['StorageClass'] {
    return this.settings.storageClass as PutObjectCommandInput['StorageClass'];
  }

  private getCommand(fileName: string): GetObjectCommand {
    return new GetObjectCommand({ Bucket: this.location.bucket, Key: this.keyOf(fileName) });
  }

  private keyOf(fileName: string): string {
    return `${this.location.prefix}${fileName}`;
  }

  private place(fileName: string): S3Place {
    const target = fileName ? this.locationOf(fileName) : this.description;
    const { endpoint, region } = this;
    return { target, bucket: this.location.bucket, endpoint, region };
  }

  private async call<T>(fileName: string, request: () => Promise<T>): Promise<T> {
    try {
      return await request();
    } catch (error) {
      throw s3Failure(error, this.place(fileName));
    }
  }
}
