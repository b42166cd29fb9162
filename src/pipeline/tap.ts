import { Transform, type TransformCallback, type Writable } from 'node:stream';

/**
 * A pass-through stage that also writes every chunk to a side consumer (the archive verifier),
 * waiting for the side's backpressure so the slower of the two sets the pace.
 * A side that stops reading (EPIPE: pg_restore exited) is left alone; its own exit status
 * tells whether that was a failure.
 */
export class Tap extends Transform {
  private sideOpen = true;
  private flushed = false;
  private pending?: () => void;

  constructor(private readonly side: Writable) {
    // Room for four 64 KiB pipe reads, so pg_dump is not paused at every chunk.
    super({ highWaterMark: 256 << 10 });
    side.on('error', () => this.onSideError());
    side.on('close', () => this.onSideError());
    side.on('drain', () => this.releasePending());
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    if (!this.sideOpen || this.side.destroyed || this.side.write(chunk)) done(null, chunk);
    else this.pending = () => done(null, chunk);
  }

  // A stream torn down mid-way (storage full, pg_dump killed) ends its side too: otherwise the
  // side's reader waits for ever for the rest of the archive.
  override _destroy(error: Error | null, done: (error?: Error | null) => void): void {
    if (!this.flushed && this.sideOpen && !this.side.writableFinished)
      this.side.destroy(error ?? new Error('the dump stream stopped before it ended'));
    this.releasePending();
    done(error);
  }

  override _flush(done: TransformCallback): void {
    this.flushed = true;
    if (this.sideOpen && !this.side.destroyed) this.side.end();
    done();
  }

  // The side reports its own failure (the verifier's promise); the main stream is not failed here.
  // 'close' matters too: a write to a destroyed pipe neither errors nor drains.
  private onSideError(): void {
    this.sideOpen = false;
    this.releasePending();
  }

  private releasePending(): void {
    const pending = this.pending;
    this.pending = undefined;
    pending?.();
  }
}
