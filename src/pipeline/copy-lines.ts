const NL = 0x0a;
const BACKSLASH = 0x5c;
const DOT = 0x2e;
/** A line of COPY data that is `\.` alone: the end of the data. */
const COPY_END = Buffer.from('\n\\.\n', 'latin1');

/**
 * The whole lines of COPY data in `chunk` from `pos` (the start of a line): up to the line that
 * ends the data (`\.`) or the chunk's last newline, and how many lines that is. `stop` is `pos`
 * when there is no whole data line (the line at `pos` is `\.`, or has no newline in the chunk).
 */
export function copyDataLines(chunk: Buffer, pos: number): { stop: number; lines: number } {
  if (chunk[pos] === BACKSLASH && chunk[pos + 1] === DOT) return { stop: pos, lines: 0 };
  const marker = chunk.indexOf(COPY_END, pos);
  const stop = marker >= 0 ? marker + 1 : chunk.lastIndexOf(NL) + 1;
  if (stop <= pos) return { stop: pos, lines: 0 };
  let lines = 0;
  for (let nl = chunk.indexOf(NL, pos); nl >= 0 && nl < stop; nl = chunk.indexOf(NL, nl + 1))
    lines += 1;
  return { stop, lines };
}
