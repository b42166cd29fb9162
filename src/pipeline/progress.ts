import { Transform, type TransformCallback } from 'node:stream';

/** What a {@link ProgressMeter} reports and where. */
export interface MeterOptions {
  /** What is happening, the line's first word, e.g. `Dumping`, `Uploading`, `Restoring`. */
  label: string;
  /** How the bytes are counted, e.g. `read`, `uploaded`. */
  verb?: string;
  /** Bytes expected in all, when known: the line then estimates how far along it is. */
  total?: number;
  /** Where the total comes from, e.g. `pg_database_size`, `stored size`. */
  totalName?: string;
  /** Where the lines go (core.info in the action). */
  log: (line: string) => void;
  /** A millisecond clock; Date.now by default (tests pass a fake one). */
  now?: () => number;
  /** At most this long between two lines while bytes flow (default 20 s: under the 30 s promised). */
  everyMs?: number;
}

const DEFAULT_EVERY_MS = 20_000;
const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];

/**
 * Counts bytes as they flow and logs one line at most every `everyMs` while they do: bytes so far,
 * the average rate, and an estimate against a known total. Cheap enough to call per chunk.
 */
export class ProgressMeter {
  private readonly now: () => number;
  private readonly everyMs: number;
  private readonly started: number;
  private lastLine: number;
  /** Bytes counted so far. */
  bytes = 0;

  constructor(private readonly options: MeterOptions) {
    this.now = options.now ?? Date.now;
    this.everyMs = options.everyMs ?? DEFAULT_EVERY_MS;
    this.started = this.now();
    this.lastLine = this.started;
  }

  /** Counts `n` more bytes (the tap callback); logs a line when one is due. */
  add(n: number): void {
    this.bytes += n;
    const t = this.now();
    if (t - this.lastLine < this.everyMs) return;
    this.lastLine = t;
    this.options.log(this.line(t));
  }

  /** The progress line at time `t`, e.g. `Dumping: 1.2 GiB read so far, 85 MiB/s, about 40 % of 3.0 GiB (pg_database_size)`. */
  line(t = this.now()): string {
    const { label, verb = 'read', total, totalName } = this.options;
    const seconds = Math.max((t - this.started) / 1000, 0.001);
    const parts = [
      `${formatSize(this.bytes)} ${verb} so far`,
      `${formatSize(this.bytes / seconds)}/s`,
    ];
    if (total && total > 0) {
      const percent = Math.min(99, Math.round((this.bytes / total) * 100));
      parts.push(`about ${percent} % of ${formatSize(total)}${totalName ? ` (${totalName})` : ''}`);
    }
    return `${label}: ${parts.join(', ')}`;
  }
}

/** A pass-through stage that counts every chunk into `meter`. */
export function meterStage(meter: ProgressMeter): Transform {
  return new Transform({
    highWaterMark: 256 << 10,
    transform(chunk: Buffer, _enc, done: TransformCallback) {
      meter.add(chunk.length);
      done(null, chunk);
    },
  });
}

/** Bytes in binary units with one decimal from MiB up: `512 KiB`, `1.2 GiB`. */
export function formatSize(bytes: number): string {
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit += 1;
  }
  const digits = unit >= 2 && value < 100 ? 1 : 0;
  return `${value.toFixed(digits)} ${UNITS[unit] ?? 'B'}`;
}
