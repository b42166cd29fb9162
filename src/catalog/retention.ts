// Which backups a retention policy keeps: restic's `forget` bucketing, in UTC, on createdAt.
// Pure: no clock, no storage, no time zone but UTC.
import { durationBefore, formatDuration, type Duration } from '../duration.js';
import type { RetentionPolicy } from '../settings.js';
import type { Hold } from './anomalies.js';
import { isFutureDated } from './future.js';
import { parseId } from './naming.js';

/** What selection needs of a backup (a Manifest has both). */
export interface Dated {
  id: string;
  /** ISO-8601 time. */
  createdAt: string;
  /** The retention hold the backup carries (an anomaly since that id), when it has one. */
  hold?: Hold;
}

/**
 * A rule that keeps backups: a policy field, `newest` (the newest backup is always kept), `own` (the
 * running backup's own, never deleted by its retention), `future` (dated in the future: suspect,
 * never deleted by retention) or `hold` (the newest backup carries a retention hold: nothing expires).
 */
export type RetentionRule =
  | 'last'
  | 'daily'
  | 'weekly'
  | 'monthly'
  | 'yearly'
  | 'within'
  | 'newest'
  | 'own'
  | 'future'
  | 'hold';

/** What a selection needs besides the backups and the policy. */
export interface SelectionContext {
  /** The clock: backups dated after it (plus the skew) are set aside as `future`. */
  now?: Date;
  /** Ids that are always kept (the backups the running backup wrote). */
  own?: string[];
}

/** A kept backup and every rule that kept it. */
export interface KeptBackup<T> {
  backup: T;
  rules: RetentionRule[];
}

/**
 * The outcome of a policy: kept (newest first, with their rules) and expired (newest first); `hold`
 * when the newest backup carries one (then nothing expires).
 */
export interface Selection<T> {
  kept: KeptBackup<T>[];
  expired: T[];
  hold?: Hold;
}

type BucketRule = Exclude<RetentionRule, 'within' | 'newest' | 'own' | 'future' | 'hold'>;

/** The bucket of each counted rule; a backup is kept when its bucket differs from the last kept. */
const BUCKETS: Record<BucketRule, (at: Date, index: number) => string> = {
  last: (_at, index) => String(index),
  daily: (at) => at.toISOString().slice(0, 10),
  weekly: (at) => isoWeek(at),
  monthly: (at) => at.toISOString().slice(0, 7),
  yearly: (at) => at.toISOString().slice(0, 4),
};

/** The order rules are applied and reported in. */
const RULES: BucketRule[] = ['last', 'daily', 'weekly', 'monthly', 'yearly'];

/**
 * Applies a policy. Backups dated in the future are set aside first: kept (rule `future`), never
 * the newest nor counted. For each counted rule the others are walked newest first and one is kept
 * when its bucket (day, ISO week, month, year; each backup its own for `last`) differs from the
 * bucket last kept by that rule, until the rule has kept N; `within` keeps those created at most
 * that long before the newest; the newest and the `own` ids are always kept. A policy without rules
 * keeps everything. While the newest backup carries a hold, every backup is kept (rule `hold`).
 */
export function selectExpired<T extends Dated>(
  backups: T[],
  policy: RetentionPolicy,
  context: SelectionContext = {},
): Selection<T> {
  const { now } = context;
  const future = now ? backups.filter((b) => isFutureDated(b, now)) : [];
  const sorted = newestFirst(backups.filter((b) => !future.includes(b)));
  const rules = rulesOf(sorted, policy, new Set(context.own));
  const anyRule = hasRules(policy);
  const hold = sorted[0]?.hold;
  const selection: Selection<T> = {
    kept: newestFirst(future).map((backup) => ({ backup, rules: ['future'] })),
    expired: [],
    ...(hold ? { hold } : {}),
  };
  sorted.forEach((backup, i) => {
    const kept = rules[i] ?? [];
    if (hold && anyRule && !kept.length) kept.push('hold');
    if (kept.length || !anyRule) selection.kept.push({ backup, rules: kept });
    else selection.expired.push(backup);
  });
  return selection;
}

/** The rules that keep each backup of `sorted` (newest first). */
function rulesOf<T extends Dated>(
  sorted: T[],
  policy: RetentionPolicy,
  own: Set<string>,
): RetentionRule[][] {
  const rules = sorted.map((): RetentionRule[] => []);
  for (const rule of RULES) {
    const count = policy[rule];
    if (count !== undefined) keepByBuckets(sorted, count, BUCKETS[rule], rule, rules);
  }
  if (policy.within !== undefined) keepWithin(sorted, policy.within, rules);
  if (rules[0]?.length === 0) rules[0].push('newest');
  sorted.forEach((b, i) => {
    if (own.has(b.id) && rules[i]?.length === 0) rules[i]?.push('own');
  });
  return rules;
}

function keepByBuckets<T extends Dated>(
  sorted: T[],
  count: number,
  bucketOf: (at: Date, index: number) => string,
  rule: RetentionRule,
  rules: RetentionRule[][],
): void {
  let left = count;
  let last: string | undefined;
  sorted.forEach((backup, i) => {
    if (left <= 0) return;
    const bucket = bucketOf(new Date(createdMs(backup)), i);
    if (bucket === last) return;
    last = bucket;
    left -= 1;
    rules[i]?.push(rule);
  });
}

/** Keeps the backups created at most `within` before the newest (inclusive, calendar months). */
function keepWithin<T extends Dated>(
  sorted: T[],
  within: Duration,
  rules: RetentionRule[][],
): void {
  if (!sorted[0]) return;
  const from = durationBefore(new Date(createdMs(sorted[0])), within).getTime();
  sorted.forEach((backup, i) => {
    if (createdMs(backup) >= from) rules[i]?.push('within');
  });
}

/**
 * Newest first by createdAt's whole second, as ids are ordered (listBackups); in the same second the
 * higher `-N` serial (the run that claimed the id later) first, whatever the milliseconds: every
 * command then agrees on which backup is the newest.
 */
export function newestFirst<T extends Dated>(backups: T[]): T[] {
  const second = (b: Dated) => Math.floor(createdMs(b) / 1000);
  const serial = (b: Dated) => parseId(b.id)?.serial ?? 1;
  return [...backups].sort(
    (a, b) => second(b) - second(a) || serial(b) - serial(a) || createdMs(b) - createdMs(a),
  );
}

function createdMs(backup: Dated): number {
  const ms = Date.parse(backup.createdAt);
  if (Number.isNaN(ms)) throw new Error(`backup ${backup.id} has no valid createdAt`);
  return ms;
}

/** `2026-W53`: the ISO-8601 week (Monday first) and its week-numbering year, in UTC. */
export function isoWeek(at: Date): string {
  const day = Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), at.getUTCDate());
  const weekday = (at.getUTCDay() + 6) % 7; // Monday 0 … Sunday 6
  // The week belongs to the year of its Thursday.
  const thursday = new Date(day + (3 - weekday) * DAY_MS);
  const year = thursday.getUTCFullYear();
  const week = 1 + Math.floor((thursday.getTime() - Date.UTC(year, 0, 1)) / (7 * DAY_MS));
  return `${year}-W${String(week).padStart(2, '0')}`;
}

const DAY_MS = 86_400_000;

/** The policy as its inputs read, e.g. `keep-daily 7, keep-within 30d`; `none` without rules. */
export function describePolicy(policy: RetentionPolicy): string {
  const parts = RULES.flatMap((r) => (policy[r] === undefined ? [] : [`keep-${r} ${policy[r]}`]));
  if (policy.within !== undefined) parts.push(`keep-within ${formatDuration(policy.within)}`);
  return parts.join(', ') || 'none';
}

/** Whether the policy has at least one rule. */
export function hasRules(policy: RetentionPolicy): boolean {
  return RULES.some((r) => policy[r] !== undefined) || policy.within !== undefined;
}
