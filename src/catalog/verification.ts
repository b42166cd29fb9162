// The verification record: what a passed verify proved about one backup, stored beside it.
import type { AmcheckReport } from '../postgres/amcheck.js';
import type { AssertionResult } from '../postgres/assertions.js';
import { TOOL } from '../tool.js';
import { durationBefore, type Duration } from '../duration.js';
import { describeDuration, describeSpan } from './health.js';
import type { Manifest } from './manifest.js';

/** The drill's part of a record. */
export interface DrillRecord {
  /** The drill server's version. */
  server: string;
  /** The measured recovery time: restore and row comparison, in seconds. */
  seconds: number;
  tables: number;
  rows: number;
  amcheck: { indexes: number; passed: boolean } | null;
  assertions: { sql: string; passed: boolean }[];
}

/** `<id>.verified.json`: SPEC's fields, and the backup and timings the summary shows. */
export interface VerificationRecord {
  verifiedAt: string;
  tool: { name: string; version: string };
  id: string;
  sha256: string;
  archive: 'passed';
  rows: 'match';
  drill: DrillRecord | null;
  backup: { createdAt: string; size: number; location: string; encrypted: boolean };
  /** Seconds of each phase: download, decrypt, archive read, restore, checks. */
  timings: Record<string, number>;
}

/** What a passed verify knew, for its record. */
export interface VerifiedFacts {
  manifest: Manifest;
  location: string;
  at: Date;
  timings: Record<string, number>;
  drill?: {
    server: string;
    seconds: number;
    tables: number;
    rows: number;
    amcheck: AmcheckReport;
    assertions: AssertionResult[];
  };
}

/** The record of a passed verify. */
export function buildRecord(f: VerifiedFacts): VerificationRecord {
  const m = f.manifest;
  const backup = { createdAt: m.createdAt, size: m.object.size, location: f.location };
  return {
    verifiedAt: f.at.toISOString(),
    tool: { name: TOOL.name, version: TOOL.version },
    id: m.id,
    sha256: m.object.sha256,
    archive: 'passed',
    rows: 'match',
    drill: f.drill ? drillRecord(f.drill) : null,
    backup: { ...backup, encrypted: m.encryption.scheme !== 'none' },
    timings: f.timings,
  };
}

function drillRecord(d: NonNullable<VerifiedFacts['drill']>): DrillRecord {
  const a = d.amcheck;
  return {
    server: d.server,
    seconds: Number(d.seconds.toFixed(1)),
    tables: d.tables,
    rows: d.rows,
    amcheck: a.available ? { indexes: a.checked, passed: a.failures.length === 0 } : null,
    assertions: d.assertions.map(({ sql, passed }) => ({ sql, passed })),
  };
}

/** The time of a stored record; undefined when the text is no record of `id`. */
export function verifiedAtOf(text: string, id: string): Date | undefined {
  try {
    const record = JSON.parse(text) as Partial<VerificationRecord>;
    if (record.id !== undefined && record.id !== id) return undefined;
    const at = new Date(String(record.verifiedAt));
    return Number.isNaN(at.getTime()) ? undefined : at;
  } catch {
    return undefined;
  }
}

/** The check's verdict on the last proof: a problem when no record is newer than the limit. */
export function unverifiedProblem(
  label: string,
  verifiedAt: Date | undefined,
  maxAge: Duration | undefined,
  now: Date,
): string[] {
  if (maxAge === undefined) return [];
  const limit = `max-unverified-age ${describeDuration(maxAge)}`;
  if (!verifiedAt)
    return [
      `No backup of '${label}' has a verification record (${limit}): run verify (with target-database-url for a restore drill) on a schedule.`,
    ];
  if (verifiedAt >= durationBefore(now, maxAge)) return [];
  return [
    `The newest verification record of '${label}' is from ${verifiedAt.toISOString()}, ${describeSpan(now.getTime() - verifiedAt.getTime())} ago, older than ${limit}: run verify again.`,
  ];
}
