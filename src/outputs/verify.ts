import * as core from '@actions/core';
import type { Comparison, Manifest, RowComparison } from '../catalog/manifest.js';
import type { AmcheckReport } from '../postgres/amcheck.js';
import type { AssertionResult } from '../postgres/assertions.js';
import { OUTPUTS } from './names.js';
import { groupDigits } from './notification.js';
import { capRows, escapeHtml, flushSummary, addFieldTable } from './summary.js';
import { formatBytes, plural } from '../units.js';

/** What a restore drill found. */
export interface DrillReport {
  database: string;
  /** True when the drill created the database (and dropped it afterwards). */
  created: boolean;
  /** The drill server's version, e.g. `18.1`. */
  server: string;
  /** Seconds from creating the database to the rows proven: the measured recovery time. */
  seconds: number;
  /** Seconds of the checks after it: assert-sql and amcheck. */
  checksSeconds: number;
  comparison: Comparison;
  amcheck: AmcheckReport;
  /** The assert-sql queries and their results, in order. */
  assertions: AssertionResult[];
  /** True when post-restore-sql ran last in the drill's restore transaction (rows counted before it). */
  postRestoreSql?: boolean;
}

/** What a finished verify reports. */
export interface VerifyReport {
  manifest: Manifest;
  /** Where the data object is. */
  location: string;
  /** The rows counted in the whole archive against the manifest's. */
  archive: Comparison;
  /** Tables with data in the archive that the manifest does not list. */
  unlisted: string[];
  /** Seconds to download, check the SHA-256 of and decrypt the stored object. */
  fetchSeconds: number;
  /** Seconds of each phase before the drill: download (with the SHA-256 check), decrypt, read. */
  timings: Record<string, number>;
  /** Seconds the whole verify took. */
  durationSeconds: number;
  /** The restore drill, when target-database-url was given. */
  drill?: DrillReport;
}

/** Everything that makes a verify fail, one line each (empty = verified). */
export function verifyProblems(r: VerifyReport): string[] {
  const differ = (where: string, rows: RowComparison[]) =>
    rows.length
      ? [
          `${where} row counts differ from the manifest for ${plural(rows.length, 'table')} (${rows
            .slice(0, 3)
            .map(
              (m) =>
                `${m.table}: ${m.restored < 0 ? 'missing' : m.restored}, ${m.expected} in the manifest`,
            )
            .join('; ')})`,
        ]
      : [];
  const problems = differ('The archive', r.archive.mismatches);
  if (r.unlisted.length)
    problems.push(
      `The archive has data of tables the manifest does not list (${r.unlisted.slice(0, 3).join(', ')})`,
    );
  if (!r.drill) return problems;
  problems.push(...differ('The restored', r.drill.comparison.mismatches));
  for (const a of r.drill.assertions.filter((x) => !x.passed))
    problems.push(`assert-sql '${a.sql}' did not pass: ${a.detail ?? 'not true'}`);
  const amcheck = r.drill.amcheck;
  if (amcheck.available && amcheck.failures.length)
    problems.push(
      `bt_index_check failed on ${plural(amcheck.failures.length, 'index', 'indexes')} (${amcheck.failures
        .slice(0, 3)
        .map((f) => `${f.index}: ${f.error}`)
        .join('; ')})`,
    );
  return problems;
}

/** Sets the verify outputs; `duration` is the drill's recovery time, empty without a drill. */
export function setVerifyOutputs(r: VerifyReport): void {
  const rows = r.archive.rows.reduce((sum, row) => sum + Math.max(0, row.restored), 0);
  core.setOutput(OUTPUTS.backupId, r.manifest.id);
  core.setOutput(OUTPUTS.sha256, r.manifest.object.sha256);
  core.setOutput(OUTPUTS.verified, String(verifyProblems(r).length === 0));
  core.setOutput(OUTPUTS.tables, String(r.manifest.tables.length));
  core.setOutput(OUTPUTS.rows, String(rows));
  core.setOutput(OUTPUTS.duration, r.drill ? r.drill.seconds.toFixed(1) : '');
  const assertions = r.drill?.assertions.map(({ sql, passed }) => ({ sql, passed })) ?? [];
  core.setOutput(OUTPUTS.assertions, JSON.stringify(assertions));
}

/** The summary rows of a verify, as field and value. */
export function verifySummaryRows(r: VerifyReport): [string, string][] {
  const problems = verifyProblems(r);
  const rows: [string, string][] = [
    ['Status', problems.length ? `❌ failed: ${problems.join('; ')}` : '✅ verified'],
    ['Backup', `${r.manifest.id} (${r.manifest.createdAt})`],
    ['Location', r.location],
    ['Size', formatBytes(r.manifest.object.size)],
    ['SHA-256', `${r.manifest.object.sha256} (matches the manifest)`],
    ['Encryption', r.manifest.encryption.scheme === 'age' ? 'age (decrypted)' : 'none'],
    [
      'Archive',
      `read in full: ${plural(r.archive.rows.length, 'table')}, ${plural(r.manifest.totalRows, 'row')} in the manifest`,
    ],
    ['Row counts', verdict(r.archive)],
  ];
  if (!r.drill)
    return [
      ...rows,
      ['Restore drill', 'none (set target-database-url to run one)'],
      ['Timings', timingsText(r.timings)],
      ['Duration', `${r.durationSeconds.toFixed(1)} s`],
    ];
  return [...rows, ...drillRows(r, r.drill)];
}

/** The drill's evidence: where, how long, and each check with its result. */
function drillRows(r: VerifyReport, d: DrillReport): [string, string][] {
  const fate = d.created ? 'created, then dropped' : 'existed empty; the restored backup stays';
  const timings = { ...r.timings, restore: d.seconds, checks: d.checksSeconds };
  return [
    [
      'Restore drill',
      `into '${d.database}' on PostgreSQL ${d.server} (${fate}): ${verdict(d.comparison)}`,
    ],
    [
      'Recovery time',
      `${d.seconds.toFixed(1)} s restore (${(d.seconds + r.fetchSeconds).toFixed(1)} s with download and decryption)`,
    ],
    ['Timings', timingsText(timings)],
    ['Index check', amcheckText(d.amcheck)],
    ...(d.postRestoreSql ? [['Post-restore SQL', POST_RESTORE_NOTE] as [string, string]] : []),
    ...d.assertions.map((a): [string, string] => [
      `Assertion: ${a.sql}`,
      a.passed ? '✅ passed (true)' : `❌ failed: ${a.detail ?? 'not true'}`,
    ]),
    ['Duration', `${r.durationSeconds.toFixed(1)} s`],
  ];
}

const POST_RESTORE_NOTE =
  'ran last in the restore transaction, after the row counts were taken there, before the checks';

/** `download 0.1 s, decrypt 0.0 s, …` in the order the phases ran. */
function timingsText(t: Record<string, number>): string {
  return Object.entries(t)
    .map(([phase, s]) => `${phase} ${s.toFixed(1)} s`)
    .join(', ');
}

/** Writes the job summary: the verify and any tables whose rows differ. */
export async function writeVerifySummary(r: VerifyReport): Promise<void> {
  addFieldTable(`PostgreSQL verify of ${escapeHtml(r.manifest.id)}`, [
    ...verifySummaryRows(r).map(([field, value]) => [field, escapeHtml(value)]),
  ]);
  const differing = [...r.archive.mismatches, ...(r.drill?.comparison.mismatches ?? [])];
  if (differing.length) {
    core.summary.addTable([
      [
        { data: 'Table', header: true },
        { data: 'Manifest', header: true },
        { data: 'Found', header: true },
      ],
      ...capRows(
        differing.map((m) => [
          escapeHtml(m.table),
          String(m.expected),
          m.restored < 0 ? 'missing' : String(m.restored),
        ]),
        3,
      ),
    ]);
  }
  await flushSummary();
}

function verdict(c: Comparison): string {
  if (!c.compared) return 'not compared';
  return c.mismatches.length
    ? `${c.mismatches.length} of ${plural(c.rows.length, 'table')} ${c.mismatches.length === 1 ? 'differs' : 'differ'} from the manifest`
    : c.rows.length === 1
      ? "the table has the manifest's row count"
      : `all ${c.rows.length} tables have the manifest's row counts`;
}

function amcheckText(a: AmcheckReport): string {
  if (!a.available) return `amcheck not available (${a.reason}): indexes not checked`;
  if (a.failures.length)
    return `bt_index_check failed on ${a.failures.length} of ${plural(a.checked, 'B-tree index', 'B-tree indexes')}`;
  return `bt_index_check passed on ${plural(a.checked, 'B-tree index', 'B-tree indexes')}`;
}

/** The one line that ends a successful verify, e.g. `Verified app-…: SHA-256, archive and 25 000 rows …`. */
export function verifyResultLine(r: VerifyReport): string {
  const rows = r.archive.rows.reduce((sum, row) => sum + Math.max(0, row.restored), 0);
  const decrypted = r.manifest.encryption.scheme === 'none' ? '' : ', decryption';
  const base = `Verified ${r.manifest.id}: SHA-256${decrypted}, the whole archive and ${plural(rows, 'row', 'rows', groupDigits(rows))} in ${plural(r.archive.rows.length, 'table')} match the manifest`;
  if (!r.drill) return `${base}.`;
  const asserted = r.drill.assertions.length
    ? `, ${r.drill.assertions.length} assert-sql quer${r.drill.assertions.length === 1 ? 'y' : 'ies'} true`
    : '';
  return `${base}; restore drill into '${r.drill.database}' in ${r.drill.seconds.toFixed(1)} s (${amcheckText(r.drill.amcheck)}${asserted}).`;
}
