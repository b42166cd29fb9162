import { Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import type { S3Client } from '@aws-sdk/client-s3';
import type { ActionError } from '../errors.js';
import { fill, isFull, PartPool, type Part } from './part-pool.js';
import { PART_BUFFER_BUDGET, slotsFor, throughputOf, UploadMeter } from './part-slots.js';
import { S3Multipart, type ObjectParams } from './s3-multipart.js';
import type { Committed, ObjectWriter } from './store.js';

/** What an S3 writer needs from its store. */
export interface S3WriteJob {
  /** The store's client. */
  client: S3Client;
  /** PutObject parameters (bucket, key, If-None-Match, storage class, encryption), no body. */
  params: ObjectParams;
  /** Bytes per part (see partSizeFor). */
  partSize: number;
  /** The object's location in the form of the `location` output. */
  location: string;
  /** Throws when the key exists: the guard for services that ignore If-None-Match. */
  ensureAbsent: () => Promise<void>;
  /** Turns an SDK error into a message for the user. */
  fail: (error: unknown) => ActionError;
  /** The clock of the rate measures, in milliseconds (default performance.now). */
  now?: () => number;
}

/**
 * Streams an object into a multipart upload that completes only in `commit()`: the last part and
 * CompleteMultipartUpload (or, below one part, a single PutObject) are sent after the archive
 * verified. Nothing is visible under the key before.
 *
 * Memory: the incoming chunks are copied into part buffers that are reused (PartPool): the parts
 * in flight plus the one being filled, i.e. (slots + 1) × partSize, plus the stream's own 16 KiB.
 * It starts with one part in flight and adds one (up to 4, within 40 MiB of buffers) each time a
 * full part had to wait while parts arrive faster than they upload, and gives the last one back
 * when it did not raise the throughput (slotsFor); while a part waits, the write callback is held,
 * which holds the producer back. Failures and abort() keep lib-storage's guarantees: a failed
 * request fails the stream at once, and abort() leaves no partial object and no unfinished upload
 * (see S3Multipart.abort).
 */
export class S3Writer implements ObjectWriter {
  readonly stream: Writable;
  private readonly upload: S3Multipart;
  private readonly pool: PartPool;
  private readonly meter: UploadMeter;
  private readonly now: () => number;
  private filling?: Part;
  private slots = 1;
  /** The slots before the last one was added, and their throughput. */
  private before?: { slots: number; throughput: number };
  /** Set once an added slot did not pay: the slots stay as they are. */
  private settled = false;
  private readonly inFlight = new Set<Promise<void>>();
  private failure?: ActionError;
  private stopped = false;
  private committed = false;
  /** Rejects when abort() is called: a commit or a write waiting on a hung part then gives up. */
  private readonly aborted: Promise<never>;
  private stopWaiting: (error: Error) => void = noop;

  constructor(private readonly job: S3WriteJob) {
    this.now = job.now ?? (() => performance.now());
    this.upload = new S3Multipart(job.client, job.params);
    this.pool = new PartPool(job.partSize);
    this.meter = new UploadMeter(this.now);
    this.aborted = new Promise<never>((_resolve, reject) => (this.stopWaiting = reject));
    this.aborted.catch(noop);
    this.stream = new Writable({
      write: (chunk: Buffer, _encoding, done) => {
        this.write(chunk).then(() => done(), done);
      },
      // The upload ends only in commit(), after the archive verified.
      final: (done) => done(),
    });
  }

  /** Part buffers allocated so far (at most the most slots + 1). */
  get buffers(): number {
    return this.pool.allocated;
  }

  async commit(): Promise<Committed> {
    await finished(this.stream);
    if (this.failure) throw this.failure;
    await this.job.ensureAbsent().catch(async (error: unknown) => {
      await this.abort();
      throw error;
    });
    await Promise.race([this.finish(), this.aborted]).catch((error: unknown) => {
      throw this.failure ?? this.job.fail(error);
    });
    this.committed = true;
    this.pool.release();
    return { location: this.job.location };
  }

  async abort(): Promise<void> {
    if (this.committed) return;
    this.stopped = true;
    this.stopWaiting(new Error('the upload was aborted'));
    this.stream.destroy();
    this.filling = undefined;
    await this.upload.abort();
    this.pool.release();
  }

  /**
   * Copies a chunk into parts. A full part is sent only once more bytes arrive, so the last part
   * is never empty and an object of exactly one part is a single PutObject.
   */
  private async write(chunk: Buffer): Promise<void> {
    this.meter.received(chunk.length);
    for (let at = 0; at < chunk.length;) {
      if (this.stopped) throw new Error('the upload was aborted');
      if (this.failure) throw this.failure;
      this.filling ??= { number: 1, buffer: this.pool.take(), filled: 0 };
      if (isFull(this.filling)) {
        const full = this.filling;
        this.filling = undefined;
        await this.send(full);
        this.filling = { number: full.number + 1, buffer: this.pool.take(), filled: 0 };
      }
      at += fill(this.filling, chunk, at);
    }
  }

  /** The last part and CompleteMultipartUpload, or the whole object in one PutObject. */
  private async finish(): Promise<void> {
    const last = this.filling;
    this.filling = undefined;
    if (!last || last.number === 1) {
      await this.upload.putObject(last ? last.buffer.subarray(0, last.filled) : Buffer.alloc(0));
      return;
    }
    await this.send(last);
    await Promise.all([...this.inFlight]);
    if (this.failure) throw this.failure;
    await this.upload.complete();
  }

  /** Starts a part's upload once a slot is free; its buffer goes back to the pool when it settles. */
  private async send(part: Part): Promise<void> {
    if (this.inFlight.size >= this.slots) await this.waitForSlot();
    const started = this.now();
    const full = isFull(part);
    const sending = this.upload
      .uploadPart(part.number, part.buffer.subarray(0, part.filled))
      .then(
        () => {
          if (full) this.meter.partUploaded(this.now() - started);
        },
        (error: unknown) => this.fail(error),
      )
      .finally(() => {
        this.inFlight.delete(sending);
        this.pool.give(part.buffer);
        this.pool.shrinkTo(this.slots + 1);
      });
    this.inFlight.add(sending);
  }

  /**
   * Holds the producer until a part in flight settles; then, from the measured rates, perhaps
   * allows one more part in flight (slotsFor).
   */
  private async waitForSlot(): Promise<void> {
    const since = this.now();
    while (this.inFlight.size >= this.slots && !this.failure)
      await Promise.race([...this.inFlight, this.aborted]);
    this.meter.held(this.now() - since);
    if (this.failure) throw this.failure;
    if (!this.settled) this.rethink();
  }

  /** Adds a slot, or gives back the last one added when it did not pay (slotsFor). */
  private rethink(): void {
    const { partSize } = this.job;
    const partSeconds = this.meter.partSeconds();
    const slots = slotsFor({
      slots: this.slots,
      arrivalRate: this.meter.arrivalRate(),
      partSeconds,
      partSize,
      budget: PART_BUFFER_BUDGET,
      before: this.before,
    });
    if (slots === this.slots) return;
    if (slots > this.slots)
      this.before = {
        slots: this.slots,
        throughput: throughputOf(this.slots, partSize, partSeconds),
      };
    else this.settled = true;
    this.slots = slots;
    this.meter.resetParts();
  }

  /** Fails the stream at once, so the pipeline stops instead of waiting on backpressure. */
  private fail(error: unknown): void {
    if (this.stopped) return; // the requests abort() cancelled
    this.failure ??= this.job.fail(error);
    if (!this.stream.writableFinished) this.stream.destroy(this.failure);
  }
}

function noop(): void {}
