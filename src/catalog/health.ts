import { formatBytes } from '../units.js';
import { describeHold, type Hold } from './anomalies.js';
import type { Manifest } from './manifest.js';

/** What the check command holds a backup to (at least one is set). */
export interface HealthLimits {
  /** The newest backup must have finished at most this many milliseconds ago. */
  maxAgeMs?: number;
  /** Allowed size change against the previous backup, in percent; undefined = not checked. */
  sizeTolerance?: number;
}

/** How the size compares with the previous backup's. */
export type SizeCheck =
  | { checked: false; reason: 'no tolerance' | 'only one backup' }
  | {
      checked: true;
      /** The previous backup's id and stored size in bytes. */
      previousId: string;
      previousSize: number;
      /** (newest − previous) / previous × 100; Infinity when the previous one was empty. */
      changePercent: number;
    };

/** The verdict on the newest backup of a label. */
export interface Health {
  healthy: boolean;
  /** One sentence per failed check, each naming the values and the limit. */
  problems: string[];
  /** Whole seconds from the newest backup's finishedAt to now (0 when it finished in the future). */
  ageSeconds: number;
  /** The newest backup's stored size in bytes. */
  size: number;
  /** Whether max-age was checked (it is unless only size-tolerance was set). */
  ageChecked: boolean;
  /** The size comparison, or why there was none. */
  sizeCheck: SizeCheck;
  /** The retention hold the newest backup carries: unhealthy while it lasts. */
  hold?: Hold;
}

/**
 * Judges the newest backup by age (from its finishedAt), by size against the previous one, and by
 * its retention hold (a backup flagged by an anomaly, not yet accepted, is a problem whatever else).
 */
export function assess(
  newest: Manifest,
  previous: Manifest | undefined,
  limits: HealthLimits,
  now: Date,
): Health {
  const ageMs = Math.max(0, now.getTime() - Date.parse(newest.finishedAt));
  const size = sizeCheck(newest, previous, limits.sizeTolerance);
  const problems = [
    ...ageProblem(newest, ageMs, limits.maxAgeMs),
    ...sizeProblem(newest, size, limits.sizeTolerance),
    ...(newest.hold
      ? [`The newest backup ${newest.id} carries a hold. ${describeHold(newest.hold)}`]
      : []),
  ];
  return {
    healthy: problems.length === 0,
    problems,
    ageSeconds: Math.floor(ageMs / 1000),
    size: newest.object.size,
    ageChecked: limits.maxAgeMs !== undefined,
    sizeCheck: size,
    ...(newest.hold ? { hold: newest.hold } : {}),
  };
}

function ageProblem(newest: Manifest, ageMs: number, maxAgeMs: number | undefined): string[] {
  if (maxAgeMs === undefined || ageMs <= maxAgeMs) return [];
  return [
    `The newest backup ${newest.id} is ${describeSpan(ageMs)} old (finished ${newest.finishedAt}), older than max-age ${describeSpan(maxAgeMs)}.`,
  ];
}

function sizeCheck(
  newest: Manifest,
  previous: Manifest | undefined,
  tolerance?: number,
): SizeCheck {
  if (tolerance === undefined) return { checked: false, reason: 'no tolerance' };
  if (!previous) return { checked: false, reason: 'only one backup' };
  const before = previous.object.size;
  const after = newest.object.size;
  const changePercent =
    before === 0 ? (after === 0 ? 0 : Infinity) : ((after - before) / before) * 100;
  return { checked: true, previousId: previous.id, previousSize: before, changePercent };
}

function sizeProblem(newest: Manifest, size: SizeCheck, tolerance?: number): string[] {
  if (!size.checked || tolerance === undefined || Math.abs(size.changePercent) <= tolerance)
    return [];
  const direction = size.changePercent < 0 ? 'smaller' : 'larger';
  return [
    `The newest backup ${newest.id} is ${describeBytes(newest.object.size)}, ${describePercent(size.changePercent)} ${direction} than the previous one ${size.previousId} (${describeBytes(size.previousSize)}); size-tolerance is ${tolerance}%.`,
  ];
}

/** `12.3 MiB (12897484 bytes)`. */
export function describeBytes(bytes: number): string {
  return bytes < 1024 ? `${bytes} bytes` : `${formatBytes(bytes)} (${bytes} bytes)`;
}

/** A size change as `60.0%`; `∞%` for growth from an empty backup. */
export function describePercent(changePercent: number): string {
  return Number.isFinite(changePercent) ? `${Math.abs(changePercent).toFixed(1)}%` : '∞%';
}

/** A span of time for people: `45s`, `1h 30m`, `26h`, `3d 4h`. */
export function describeSpan(ms: number): string {
  const s = Math.floor(ms / 1000);
  if (s < 60) return `${s}s`;
  if (s < 3600) return joinUnits([Math.floor(s / 60), 'm'], [s % 60, 's']);
  if (s < 172_800)
    return joinUnits([Math.floor(s / 3600), 'h'], [Math.floor((s % 3600) / 60), 'm']);
  return joinUnits([Math.floor(s / 86_400), 'd'], [Math.floor((s % 86_400) / 3600), 'h']);
}

function joinUnits(major: [number, string], minor: [number, string]): string {
  return minor[0] > 0 ? `${major[0]}${major[1]} ${minor[0]}${minor[1]}` : `${major[0]}${major[1]}`;
}
