// The wording of summaries and log lines: status first in every command's summary table, plurals
// right for one, each duration printed once, stderr lines prefixed once, notes only for what
// happened, and a schema change told as what changed.
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { detectAnomalies } from '../../../src/catalog/anomalies.js';
import type { Changes } from '../../../src/catalog/changes.js';
import { assess, describeBytes } from '../../../src/catalog/health.js';
import type { Manifest } from '../../../src/catalog/manifest.js';
import { backupStatus, writeBackupSummary } from '../../../src/outputs/backup.js';
import { describeChanges } from '../../../src/outputs/changes.js';
import { writeCheckSummary } from '../../../src/outputs/check.js';
import { pruneStatus, writePruneSummary, type PruneReport } from '../../../src/outputs/prune.js';
import { restoreResultLine } from '../../../src/outputs/result.js';
import { skippedNote, writeRestoreSummary } from '../../../src/outputs/restore.js';
import { plural } from '../../../src/units.js';
import {
  verifyResultLine,
  writeVerifySummary,
  type VerifyReport,
} from '../../../src/outputs/verify.js';
import { stderrLogLine } from '../../../src/postgres/process.js';
import { manifestOf, NOW } from '../../helpers/check-kit.js';

let summaryFile = '';
const saved = process.env.GITHUB_STEP_SUMMARY;

beforeAll(async () => {
  summaryFile = join(await mkdtemp(join(tmpdir(), 'summary-wording-')), 'summary.md');
  process.env.GITHUB_STEP_SUMMARY = summaryFile;
});
beforeEach(() => writeFile(summaryFile, ''));
afterAll(() => {
  if (saved === undefined) delete process.env.GITHUB_STEP_SUMMARY;
  else process.env.GITHUB_STEP_SUMMARY = saved;
});

/** The first data row (field and value) of the first table in the summary written. */
async function firstRow(): Promise<[string, string]> {
  const html = await readFile(summaryFile, 'utf8');
  const m = /<\/th><\/tr><tr><td>(.*?)<\/td><td>(.*?)<\/td><\/tr>/.exec(html);
  if (!m) throw new Error(`no table row in ${html}`);
  return [m[1] ?? '', m[2] ?? ''];
}

const one = (m: Manifest): Manifest => ({
  ...m,
  tables: [{ schema: 'public', name: 'items', rows: 1 }],
  totalRows: 1,
});

describe('plural', () => {
  it.each([
    [0, 'table', undefined, undefined, '0 tables'],
    [1, 'table', undefined, undefined, '1 table'],
    [2, 'table', undefined, undefined, '2 tables'],
    [1, 'index', 'indexes', undefined, '1 index'],
    [3, 'index', 'indexes', undefined, '3 indexes'],
    [1, 'table differs', 'tables differ', undefined, '1 table differs'],
    [25_000, 'row', 'rows', '25 000', '25 000 rows'],
  ])('%i %s → %s', (count, singular, many, shown, text) => {
    expect(plural(count, singular, many, shown)).toBe(text);
  });
});

describe('stderr lines in the log', () => {
  it.each([
    ['pg_dump', 'pg_dump: error: connection lost', 'pg_dump: error: connection lost'],
    ['pg_dump', 'error: connection lost', 'pg_dump: error: connection lost'],
    ['psql', 'psql:<stdin>:12: ERROR:  boom', 'psql:<stdin>:12: ERROR:  boom'],
    ['pg_restore', 'pg_restore: warning: x', 'pg_restore: warning: x'],
    ['pg_restore', 'pg_dump: from another program', 'pg_restore: pg_dump: from another program'],
  ])('%s prints %j as %j', (name, line, logged) => {
    expect(stderrLogLine(name, line)).toBe(logged);
  });
});

describe('the no-owner / no-privileges note', () => {
  it('is absent when nothing was left out', () => {
    expect(skippedNote(undefined)).toBeUndefined();
    expect(skippedNote({ ownership: 0, privileges: 0 })).toBeUndefined();
  });

  it('speaks of missing grants only when privilege statements were left out', () => {
    const note = skippedNote({ ownership: 1, privileges: 0 }) ?? '';
    expect(note).toContain('1 ownership statement of the backup was not applied (no-owner)');
    expect(note).not.toMatch(/grant|privilege/i);
    expect(note).toMatch(/set no-owner: false\.$/);
  });

  it('speaks of owners only when ownership statements were left out', () => {
    const note = skippedNote({ ownership: 0, privileges: 2 }) ?? '';
    expect(note).toContain('2 privilege statements of the backup were not applied (no-privileges)');
    expect(note).toContain('grants such as GRANT ALL ON SCHEMA public TO PUBLIC');
    expect(note).not.toMatch(/ownership|belongs/);
    expect(note).toMatch(/set no-privileges: false\.$/);
  });
});

describe('a schema change, told', () => {
  const base: Changes = {
    previous: 'app-20261121T020000Z',
    tablesAdded: [],
    tablesRemoved: [],
    rowsBefore: 10,
    rowsAfter: 10,
    schemaChanged: true,
    tables: [],
  };

  it('names the tables added and removed, at most three of each', () => {
    const text = describeChanges({
      ...base,
      tablesAdded: ['billing.audit'],
      tablesRemoved: ['public.a', 'public.b', 'public.c', 'public.d', 'public.e'],
    });
    expect(text).toBe(
      'no row changes, schema changed: 1 table added (billing.audit), 5 tables removed (public.a, public.b, public.c and 2 more) (since app-20261121T020000Z)',
    );
  });

  it('says what differs when no table was added or removed', () => {
    expect(describeChanges(base)).toBe(
      'no row changes, schema changed (no table with data added or removed; a definition differs: columns, types, constraints, indexes, views, functions, triggers, policies, grants or other objects) (since app-20261121T020000Z)',
    );
  });

  it('says unchanged in two words', () => {
    expect(describeChanges({ ...base, schemaChanged: false })).toBe(
      'no row changes, schema unchanged (since app-20261121T020000Z)',
    );
  });

  it('counts more changed tables right', () => {
    const t = (name: string) => ({ schema: 'public', name, before: 1, after: 2 });
    const six = ['a', 'b', 'c', 'd', 'e', 'f'].map(t);
    expect(describeChanges({ ...base, schemaChanged: false, tables: six })).toContain(
      'e +1, 1 more table changed,',
    );
  });
});

describe('counts of one', () => {
  it('in anomalies, sizes, and the result lines', () => {
    const previous = one(manifestOf('app', 30, 1));
    const current = { ...manifestOf('app', 1, 1), tables: [], totalRows: 0 };
    const flags = detectAnomalies(previous, current, { mode: 'warn', rowDrop: 50 }) ?? [];
    expect(flags.map((f) => f.detail).join(' ')).toContain('had 1 table and 1 row.');
    expect(flags.map((f) => f.detail).join(' ')).toContain('public.items (had 1 row)');
    expect(describeBytes(1)).toBe('1 byte');
    const manifest = one(manifestOf('app', 1, 100));
    const rows = [{ table: 'public.items', expected: 1, restored: 1 }];
    const comparison = { compared: true, rows, mismatches: [] };
    expect(
      restoreResultLine({ manifest, comparison, durationSeconds: 1, target: 'copy' }),
    ).toContain("into 'copy': 1 row in 1 table match the manifest");
  });
});

describe('status first in every summary table', () => {
  const manifest = one(manifestOf('app', 1, 2048));

  it('backup: stored and verified, or flagged', async () => {
    await writeBackupSummary({
      manifest,
      locations: ['/b'],
      manifestLocation: '/b/m',
      durationSeconds: 1,
      pruned: [],
    });
    expect(await firstRow()).toEqual(['Status', '✅ stored and verified']);
    const flagged = { ...manifest, anomalies: [{ kind: 'table-emptied' as const, detail: 'x' }] };
    expect(backupStatus(flagged)).toBe(
      '⚠️ stored and verified, flagged: table-emptied (see Anomalies)',
    );
    const unverified = { ...manifest, verification: { archive: 'skipped' as const } };
    expect(backupStatus(unverified)).toBe('✅ stored, not verified (verify: none)');
  });

  it('restore: restored, or how many tables differ', async () => {
    const rows = [
      { table: 'public.items', expected: 1, restored: 2 },
      { table: 'public.other', expected: 1, restored: 1 },
    ];
    const comparison = { compared: true, rows, mismatches: rows.slice(0, 1) };
    await writeRestoreSummary({ manifest, comparison, durationSeconds: 1, target: 'copy' });
    expect(await firstRow()).toEqual([
      'Status',
      '❌ restored, but 1 table differs from the manifest (the step fails)',
    ]);
  });

  it('prune: what it kept and deleted', async () => {
    const report: PruneReport = {
      label: 'app',
      location: '/b',
      policy: 'keep-last 1',
      dryRun: true,
      kept: [{ id: manifest.id, createdAt: manifest.createdAt, rules: ['last'] }],
      pruned: ['app-20261120T020000Z'],
      unreadable: [],
      locked: [],
    };
    await writePruneSummary(report);
    expect(await firstRow()).toEqual(['Status', '✅ kept 1, dry run: would delete 1']);
    expect(pruneStatus({ ...report, hold: { since: 'app-x', reason: 'r' } })).toBe(
      '⏸️ on hold since app-x: nothing deleted',
    );
  });

  it('verify: verified, with one table and one row said so', async () => {
    const rows = [{ table: 'public.items', expected: 1, restored: 1 }];
    const report: VerifyReport = {
      manifest,
      location: '/b',
      archive: { compared: true, rows, mismatches: [] },
      unlisted: [],
      fetchSeconds: 0,
      timings: {},
      durationSeconds: 1,
    };
    await writeVerifySummary(report);
    expect(await firstRow()).toEqual(['Status', '✅ verified']);
    const html = await readFile(summaryFile, 'utf8');
    expect(html).toContain('read in full: 1 table, 1 row in the manifest');
    expect(html).toContain("the table has the manifest's row count");
    expect(verifyResultLine(report)).toContain('the whole archive and 1 row in 1 table match');
  });

  it('check: healthy first, and the age printed once', async () => {
    const newest = manifestOf('app', 9 / 3600, 2048);
    const limits = { maxAge: { months: 0, ms: 26 * 3_600_000 } };
    const health = assess(newest, undefined, limits, NOW);
    await writeCheckSummary({ where: '/b', label: 'app', newest, limits, health });
    expect(await firstRow()).toEqual(['Status', '✅ healthy']);
    const html = await readFile(summaryFile, 'utf8');
    expect(html).toContain('<td>9s; max-age 26h</td>');
    expect(html).not.toContain('(9 s)');
  });
});
