import { mkdtemp, readFile, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { compareWith } from '../../../src/catalog/changes.js';
import {
  cappedChanges,
  writeBackupSummary,
  type BackupReport,
} from '../../../src/outputs/backup.js';
import { writeRestoreSummary } from '../../../src/outputs/restore.js';
import { MAX_SUMMARY_ROWS } from '../../../src/outputs/summary.js';
import { manifestOf } from '../../helpers/check-kit.js';

/** GitHub drops a step summary over 1 MiB whole; a job output may hold 1 MB. */
const MIB = 1024 * 1024;
const TABLES = 20_000;
const many = (prefix: string) =>
  Array.from({ length: TABLES }, (_, i) => ({
    schema: 'tenant_data',
    name: `${prefix}_table_${i}`,
    rows: i,
  }));

// @actions/core keeps the summary file it first wrote: one file, emptied before each summary.
let file: string | undefined;

async function summaryOf(write: () => Promise<void>): Promise<{ bytes: number; html: string }> {
  file ??= join(await mkdtemp(join(tmpdir(), 'summary-size-')), 'summary.md');
  await writeFile(file, '');
  const saved = process.env.GITHUB_STEP_SUMMARY;
  process.env.GITHUB_STEP_SUMMARY = file;
  try {
    await write();
  } finally {
    if (saved === undefined) delete process.env.GITHUB_STEP_SUMMARY;
    else process.env.GITHUB_STEP_SUMMARY = saved;
  }
  return { bytes: (await stat(file)).size, html: await readFile(file, 'utf8') };
}

describe('summaries and outputs of a database with 20,000 tables', () => {
  const manifest = { ...manifestOf('app', 1, 100), tables: many('t') };

  it('keeps the backup summary far under 1 MiB, largest tables first, the count whole', async () => {
    const report: BackupReport = {
      manifest,
      pruned: [],
      locations: ['/b/app.dump'],
      manifestLocation: '/b/app.manifest.json',
      durationSeconds: 3,
    };
    const { bytes, html } = await summaryOf(() => writeBackupSummary(report));
    expect(bytes).toBeLessThan(MIB / 8);
    expect(html).toContain(`Rows per table (${TABLES})`);
    expect(html).toContain(`<td>tenant_data.t_table_${TABLES - 1}</td>`);
    expect(html).toContain(`… and ${TABLES - MAX_SUMMARY_ROWS} more (not shown)`);
  });

  it('keeps the restore summary under 1 MiB and never hides a differing table', async () => {
    const rows = manifest.tables.map((t) => ({
      table: `${t.schema}.${t.name}`,
      expected: t.rows,
      restored: t.rows,
    }));
    const odd = { table: 'tenant_data.t_table_7', expected: 7, restored: -1 };
    rows[7] = odd;
    const { bytes, html } = await summaryOf(() =>
      writeRestoreSummary({
        manifest,
        comparison: { compared: true, rows, mismatches: [odd] },
        durationSeconds: 1,
        target: 'copy',
      }),
    );
    expect(bytes).toBeLessThan(MIB / 8);
    expect(html).toContain('<td>tenant_data.t_table_7</td><td>7</td><td>missing</td>');
  });

  it('caps the changes output lists and keeps their counts whole', () => {
    const previous = { ...manifestOf('app', 1, 100), tables: [] };
    const changes = cappedChanges(compareWith(previous, manifest));
    expect(JSON.stringify(changes).length).toBeLessThan(MIB / 8);
    expect(changes.tablesAdded).toHaveLength(1000);
    expect(changes.tablesAddedCount).toBe(TABLES);
  });
});
