import { PassThrough, Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import {
  AbortMultipartUploadCommand,
  type PutObjectCommandInput,
  type S3Client,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import type { ActionError } from '../errors.js';
import { QUEUE_SIZE } from './s3-client.js';
import type { Committed, ObjectWriter } from './store.js';

/**
 * How long abort() waits for parts in flight before it aborts the multipart upload once more (a
 * part that was in flight during the first abort may still land). Short: a cancelled job has
 * seconds before the runner kills it.
 */
const ABORT_WAIT_MS = 5_000;
const BODY_BUFFER = 1024 * 1024;

/** What an S3 writer needs from its store. */
export interface S3WriteJob {
  /** The store's client. */
  client: S3Client;
  /** PutObject parameters (bucket, key, If-None-Match, storage class, encryption), no body. */
  params: Omit<PutObjectCommandInput, 'Body'>;
  /** Bytes per part (see partSizeFor). */
  partSize: number;
  /** The object's location in the form of the `location` output. */
  location: string;
  /** Throws when the key exists: the guard for services that ignore If-None-Match. */
  ensureAbsent: () => Promise<void>;
  /** Turns an SDK error into a message for the user. */
  fail: (error: unknown) => ActionError;
}

/**
 * Streams an object into a multipart upload (lib-storage `Upload`) that completes only in
 * `commit()`: the writer's stream hands bytes to the upload's body but never ends it, so
 * CompleteMultipartUpload (or, below one part, PutObject) is sent after the archive verified.
 *
 * Memory: at most QUEUE_SIZE (4) parts in flight plus one part being filled, plus 2 MiB of stream
 * buffers: ≈ 5 × partSize, i.e. 40 MiB at the 8 MiB minimum part size (see partSizeFor).
 */
export class S3Writer implements ObjectWriter {
  readonly stream: Writable;
  private readonly body = new PassThrough({ highWaterMark: BODY_BUFFER });
  private readonly upload: Upload;
  private readonly done: Promise<unknown>;
  private failure?: ActionError;
  private committed = false;
  /** Rejects when abort() is called: a commit waiting on a hung part then gives up at once. */
  private readonly aborted: Promise<never>;
  private stopWaiting: (error: Error) => void = noop;

  constructor(private readonly job: S3WriteJob) {
    this.stream = bodyFeeder(this.body);
    const params = { ...job.params, Body: this.body };
    const { client, partSize } = job;
    this.upload = new Upload({ client, params, partSize, queueSize: QUEUE_SIZE });
    this.done = this.upload.done();
    this.aborted = new Promise<never>((_resolve, reject) => (this.stopWaiting = reject));
    this.aborted.catch(noop);
    // Fails the stream at once, so the pipeline stops instead of waiting on backpressure.
    this.done.catch((error: unknown) => {
      this.failure ??= job.fail(error);
      if (!this.stream.writableFinished) this.stream.destroy(this.failure);
    });
  }

  async commit(): Promise<Committed> {
    await finished(this.stream);
    if (this.failure) throw this.failure;
    await this.job.ensureAbsent().catch(async (error: unknown) => {
      await this.abort();
      throw error;
    });
    this.body.end();
    await Promise.race([this.done, this.aborted]).catch((error: unknown) => {
      throw this.failure ?? this.job.fail(error);
    });
    this.committed = true;
    return { location: this.job.location };
  }

  async abort(): Promise<void> {
    if (this.committed) return;
    this.stopWaiting(new Error('the upload was aborted'));
    this.stream.destroy();
    // Without an error: lib-storage's reader then fails (premature close) and aborts the upload,
    // and a body nobody reads any more cannot raise an unhandled 'error'.
    this.body.destroy();
    await this.upload.abort().catch(noop);
    await abortMultipart(this.job, this.upload.uploadId);
    await settledWithin(this.done, ABORT_WAIT_MS);
    await abortMultipart(this.job, this.upload.uploadId);
  }
}

/** A writable that hands every byte to the upload's body with backpressure, and never ends it. */
function bodyFeeder(body: PassThrough): Writable {
  return new Writable({
    write(chunk: Buffer, _encoding, done) {
      if (body.write(chunk)) return done();
      drained(body).then(() => done(), done);
    },
    final(done) {
      done();
    },
  });
}

function drained(body: PassThrough): Promise<void> {
  return new Promise((resolve, reject) => {
    const settle = (error?: Error) => {
      body.off('drain', onDrain).off('close', onClose);
      if (error) reject(error);
      else resolve();
    };
    const onDrain = () => settle();
    const onClose = () => settle(new Error('the S3 upload stopped before the backup was complete'));
    body.on('drain', onDrain).on('close', onClose);
  });
}

/** Waits for a promise to settle, at most `ms`; never throws. */
async function settledWithin(promise: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)));
  await Promise.race([promise.then(noop, noop), timeout]);
  clearTimeout(timer);
}

/**
 * lib-storage aborts the multipart upload when its body fails; this repeats it for the case where
 * that request failed or parts were still in flight. An upload already gone is not an error.
 */
async function abortMultipart(job: S3WriteJob, uploadId: string | undefined): Promise<void> {
  if (!uploadId) return;
  const { Bucket, Key } = job.params;
  await job.client
    .send(new AbortMultipartUploadCommand({ Bucket, Key, UploadId: uploadId }))
    .catch(noop);
}

function noop(): void {}
