// How many parts of an S3 upload are in flight at once: chosen from the measured rates, not fixed.

const MiB = 1024 * 1024;
/** The most parts one writer uploads at once. */
export const MAX_SLOTS = 4;
/** The most bytes of part buffers one writer holds: the parts in flight and the one being filled. */
export const PART_BUFFER_BUDGET = 40 * MiB;
/** Parts must arrive this much faster than they upload before a slot is added (noise, not a trend). */
const TOLERANCE = 1.1;
/** An added slot must raise the upload's throughput this much, or it is given back. */
const GAIN = 1.15;

/** What the slot decision knows: the slots now, the measured rates, the part size and the budget. */
export interface SlotMeasures {
  /** Parts allowed in flight now. */
  slots: number;
  /** Bytes per second the writer receives while it is not held back (the producer's own rate). */
  arrivalRate: number;
  /** Seconds one full part's UploadPart takes (a recent average), 0 while none has finished. */
  partSeconds: number;
  /** Bytes per part. */
  partSize: number;
  /** The most bytes of part buffers (see PART_BUFFER_BUDGET). */
  budget: number;
  /** The slots before the last one was added, and the bytes per second they uploaded. */
  before?: { slots: number; throughput: number };
}

/** The most parts in flight that the budget allows beside the part being filled: 1 to MAX_SLOTS. */
export function mostSlots(partSize: number, budget = PART_BUFFER_BUDGET): number {
  return Math.max(1, Math.min(MAX_SLOTS, Math.floor(budget / partSize) - 1));
}

/** Bytes per second `slots` parts in flight upload when each takes `partSeconds`. */
export function throughputOf(slots: number, partSize: number, partSeconds: number): number {
  return partSeconds > 0 ? (slots * partSize) / partSeconds : 0;
}

/**
 * The slots after a full part had to wait for one. Back to `before.slots` when the slot added last
 * did not raise the throughput (the service or the link is the limit, not the parts in flight);
 * else one more when more parts arrive during one part's upload than there are slots (the upload
 * is the bottleneck), within mostSlots. Without measures yet, unchanged.
 */
export function slotsFor(m: SlotMeasures): number {
  const most = mostSlots(m.partSize, m.budget);
  const slots = Math.min(m.slots, most);
  if (!(m.arrivalRate > 0 && m.partSeconds > 0)) return slots;
  const throughput = throughputOf(slots, m.partSize, m.partSeconds);
  if (m.before && m.before.slots < slots && throughput < m.before.throughput * GAIN)
    return m.before.slots;
  const arrivingPerUpload = (m.arrivalRate * m.partSeconds) / m.partSize;
  return arrivingPerUpload > slots * TOLERANCE ? Math.min(slots + 1, most) : slots;
}

/**
 * Measures an upload for slotsFor: the rate bytes arrive while the writer is not held back, and
 * a moving average of the seconds a full part takes. The clock is passed in (milliseconds).
 */
export class UploadMeter {
  private bytes = 0;
  private startedAt?: number;
  private heldMs = 0;
  private partMs = 0;

  constructor(private readonly now: () => number) {}

  /** Counts bytes handed to the writer. */
  received(bytes: number): void {
    this.startedAt ??= this.now();
    this.bytes += bytes;
  }

  /** Counts time the writer held its producer back (waiting for a slot). */
  held(ms: number): void {
    this.heldMs += ms;
  }

  /** Records one full part's upload time. */
  partUploaded(ms: number): void {
    this.partMs = this.partMs ? 0.7 * this.partMs + 0.3 * ms : ms;
  }

  /** Forgets the part times (the slots changed: the next ones are measured anew). */
  resetParts(): void {
    this.partMs = 0;
  }

  /** Bytes per second received while not held back (0 before any time passed). */
  arrivalRate(): number {
    const ms = this.now() - (this.startedAt ?? this.now()) - this.heldMs;
    return ms > 0 ? (this.bytes * 1000) / ms : 0;
  }

  /** Seconds a full part takes to upload, recently (0 before the first). */
  partSeconds(): number {
    return this.partMs / 1000;
  }
}
