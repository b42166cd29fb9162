// Sizes and times as people read them: the one place that turns bytes and clock readings into them.

/** Bytes in binary units, one decimal: `512 B`, `1.5 KiB`, `2.0 GiB`. */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return unit === 0 ? `${bytes} B` : `${value.toFixed(1)} ${units[unit]}`;
}

/** Seconds from `start` to `end` (fractional). */
export function secondsBetween(start: Date, end: Date): number {
  return (end.getTime() - start.getTime()) / 1000;
}

/**
 * A count and its noun, singular for exactly one: `1 table`, `2 tables`, `1 index`, `3 indexes`.
 * `shown` is the count as printed (e.g. digit-grouped); the plain count by default.
 */
export function plural(
  count: number,
  one: string,
  many = `${one}s`,
  shown = String(count),
): string {
  return `${shown} ${count === 1 ? one : many}`;
}
