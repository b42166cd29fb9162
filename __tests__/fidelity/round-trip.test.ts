// PostgreSQL's own regression database, backed up by the action in custom, plain and directory
// formats and restored by it into new databases: compared the way pg_upgrade's test compares
// (plain dumps through adjust_regress_dumpfile, zero differing lines) and by exact row counts.
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { RestoreReport } from '../../src/outputs/restore.js';
import type { BackupReport } from '../../src/outputs/backup.js';
import { adjustRegressDumpfile, diffLines, formatDiff } from '../helpers/adjust-dump.js';
import { backupWith, restoreWith } from '../helpers/command-run.js';
import type { PgCluster } from '../../scripts/lib/pg-cluster.js';
import {
  CLIENT_BIN_DIR,
  adjustWithPerl,
  adjustedDump,
  adjustedDumps,
  countOwnershipAndPrivileges,
  exactRowCounts,
  isOwnershipOrPrivilegeLine,
  plainDump,
  restoreScript,
  startRegressionCluster,
  timed,
  withoutOwnershipAndPrivileges,
} from '../helpers/regression.js';

type Format = 'custom' | 'plain' | 'directory';
const FORMATS: Format[] = ['custom', 'plain', 'directory'];
const JOBS: Record<Format, Record<string, string>> = {
  custom: {},
  plain: {},
  directory: { jobs: '2' },
};

let server: PgCluster;
let store: string;
const backups = new Map<Format, BackupReport>();
let source: { full: string; schema: string };
let sourceCounts: Record<string, number>;

const backupOf = (format: Format): BackupReport => backups.get(format) as BackupReport;

beforeAll(async () => {
  server = await timed('start the regression server', startRegressionCluster);
  store = await mkdtemp(join(tmpdir(), 'fidelity-round-trip-'));
  for (const format of FORMATS) {
    const inputs = { 'database-url': server.url('regression'), storage: store, format };
    const report = await timed(`backup (${format})`, () =>
      backupWith({ ...inputs, ...JOBS[format], 'pg-bin-dir': CLIENT_BIN_DIR }),
    );
    backups.set(format, report);
  }
  source = await timed('dump the source (full, schema-only)', () =>
    adjustedDumps(server, 'regression', true),
  );
  sourceCounts = await timed('count the source rows', () => exactRowCounts(server, 'regression'));
  const tables = Object.keys(sourceCounts).length;
  const rows = Object.values(sourceCounts).reduce((a, b) => a + Math.max(0, b), 0);
  console.log(`[fidelity] source: ${tables} tables/partitioned/matviews, ${rows} rows`);
}, 900_000);

afterAll(async () => {
  await server?.stop();
});

/** Restores one of the backups into a new database `target` with the given inputs. */
function restore(format: Format, target: string, inputs: Record<string, string> = {}) {
  return timed(`restore (${format} into ${target})`, () =>
    restoreWith({
      'target-database-url': server.url(target),
      storage: store,
      backup: backupOf(format).manifest.id,
      'pg-bin-dir': CLIENT_BIN_DIR,
      ...JOBS[format],
      ...inputs,
    }),
  );
}

/** The differing lines of two filtered dumps, printed with their count. */
function differing(what: string, a: string, b: string) {
  const diff = diffLines(a, b);
  console.log(`[fidelity] ${what}: ${diff.length} differing lines`);
  return diff;
}

describe('regression database round trip', () => {
  it('backs up in custom, plain and directory formats, every backup verified', () => {
    for (const format of FORMATS) {
      const { manifest } = backupOf(format);
      expect(manifest.dump.format).toBe(format);
      expect(manifest.verification.archive).toBe('passed');
      expect(manifest.tables.length).toBeGreaterThan(500);
    }
    expect(backupOf('directory').manifest.dump.jobs).toBe(2);
  });

  it('filters the dump exactly as AdjustDump.pm of pg_upgrade does, run by perl on the same dump', async () => {
    const raw = await plainDump(server, 'regression');
    for (const original of [true, false]) {
      const port = adjustRegressDumpfile(raw, original);
      expect(formatDiff(diffLines(await adjustWithPerl(raw, original), port))).toBe('');
    }
    expect(source.full).toBe(adjustRegressDumpfile(raw, true));
    expect(adjustRegressDumpfile(raw, false)).not.toBe(source.full); // the child columns moved
  });

  it.each(FORMATS)(
    '%s: restored with owners and privileges, the dumps are identical and every table has its rows',
    async (format) => {
      const target = `rt_${format}`;
      const report = await restore(format, target, {
        'no-owner': 'false',
        'no-privileges': 'false',
      });
      expect(report.comparison.mismatches).toEqual([]);
      const copy = await timed(`dump ${target}`, () => adjustedDumps(server, target, false));
      expect(formatDiff(differing(`${format} full dump`, source.full, copy.full))).toBe('');
      expect(formatDiff(differing(`${format} schema-only dump`, source.schema, copy.schema))).toBe(
        '',
      );
      expect(await exactRowCounts(server, target)).toEqual(sourceCounts);
    },
  );

  it('restored with the defaults (no-owner/no-privileges auto, every role exists): equal to the source, owners and privileges kept', async () => {
    const report = await restore('custom', 'rt_auto');
    const copy = await timed('dump rt_auto', () =>
      adjustedDump(server, 'rt_auto', { original: false }),
    );
    expect(formatDiff(differing('defaults full dump', source.full, copy))).toBe('');
    expect(await exactRowCounts(server, 'rt_auto')).toEqual(sourceCounts);
    expect(report.ownership).toMatch(/^owners kept .*; privileges kept /);
  });

  it('restored with no-owner and no-privileges true, only ownership and privilege lines differ, and the report and summary count what was skipped', async () => {
    const summaryFile = join(store, '..', `fidelity-summary-${process.pid}.md`);
    await writeFile(summaryFile, '');
    process.env.GITHUB_STEP_SUMMARY = summaryFile;
    let report: RestoreReport;
    try {
      report = await restore('custom', 'rt_defaults', {
        'no-owner': 'true',
        'no-privileges': 'true',
      });
    } finally {
      delete process.env.GITHUB_STEP_SUMMARY;
    }
    const copy = await timed('dump rt_defaults', () =>
      adjustedDump(server, 'rt_defaults', { original: false }),
    );
    const diff = differing('no-owner full dump', source.full, copy);
    expect(diff.length).toBeGreaterThan(0);
    expect(formatDiff(diff.filter((d) => !isOwnershipOrPrivilegeLine(d.line)))).toBe('');
    const [a, b] = [source.full, copy].map(withoutOwnershipAndPrivileges);
    expect(formatDiff(diffLines(a ?? '', b ?? ''))).toBe('');
    expect(await exactRowCounts(server, 'rt_defaults')).toEqual(sourceCounts);

    const custom = backupOf('custom');
    const script = await restoreScript(join(store, custom.manifest.object.key), ['-s']);
    const expected = countOwnershipAndPrivileges(script);
    console.log(`[fidelity] skipped by no-owner/no-privileges: ${JSON.stringify(expected)}`);
    const skipped = (report as RestoreReport & { skipped?: unknown }).skipped;
    expect(skipped).toEqual(expected);
    const summary = await readFile(summaryFile, 'utf8');
    expect(rowsMentioning(summary, /ownership/i).some(hasNumber(expected.ownership))).toBe(true);
    expect(rowsMentioning(summary, /privilege/i).some(hasNumber(expected.privileges))).toBe(true);
  });
});

/** The rows of the summary's HTML tables (or its lines) that match `what`. */
function rowsMentioning(summary: string, what: RegExp): string[] {
  return summary.split(/<\/tr>|\n/).filter((row) => what.test(row));
}

function hasNumber(n: number): (row: string) => boolean {
  return (row) => new RegExp(`(^|[^0-9])${n}([^0-9]|$)`).test(row.replace(/<[^>]*>/g, ' '));
}
