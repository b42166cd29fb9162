// The buffers an S3 writer fills its parts in, reused from part to part.

/** One part being filled: its number (from 1), its buffer and how many bytes it holds. */
export interface Part {
  number: number;
  buffer: Buffer;
  filled: number;
}

/**
 * Part buffers of one size, each returned when its part's upload settled and handed out again:
 * after warm-up no part allocates, and no part is a concatenation of the stream's chunks. The
 * caller bounds how many are out at once (parts in flight + the one being filled).
 */
export class PartPool {
  private free: Buffer[] = [];
  private made = 0;

  constructor(readonly partSize: number) {}

  /** Buffers allocated so far. */
  get allocated(): number {
    return this.made;
  }

  /** A free buffer, or a new one (not zeroed: only the filled bytes are ever sent). */
  take(): Buffer {
    const reused = this.free.pop();
    if (reused) return reused;
    this.made += 1;
    return Buffer.allocUnsafeSlow(this.partSize);
  }

  /** Returns a buffer whose part settled. */
  give(buffer: Buffer): void {
    this.free.push(buffer);
  }

  /** Drops free buffers until at most `count` are allocated (fewer slots now). */
  shrinkTo(count: number): void {
    while (this.made > count && this.free.pop()) this.made -= 1;
  }

  /** Drops the free buffers (the writer is done). */
  release(): void {
    this.free = [];
  }
}

/** Copies from `chunk` (at `from`) into the part until it is full; returns the bytes copied. */
export function fill(part: Part, chunk: Buffer, from: number): number {
  const copied = chunk.copy(part.buffer, part.filled, from);
  part.filled += copied;
  return copied;
}

/** Whether the part holds a full part's bytes. */
export function isFull(part: Part): boolean {
  return part.filled === part.buffer.length;
}
