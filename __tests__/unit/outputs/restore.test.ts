import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { writeRestoreSummary, type RestoreReport } from '../../../src/outputs/restore.js';
import { LineSplitter } from '../../../src/postgres/process.js';
import { manifestOf } from '../../helpers/check-kit.js';

describe('writeRestoreSummary', () => {
  it('escapes table names and says what no-owner / no-privileges left out', async () => {
    const file = join(await mkdtemp(join(tmpdir(), 'restore-summary-')), 'summary.md');
    await writeFile(file, '');
    const saved = process.env.GITHUB_STEP_SUMMARY;
    process.env.GITHUB_STEP_SUMMARY = file;
    const report: RestoreReport = {
      manifest: manifestOf('app', 1, 100),
      comparison: {
        compared: true,
        rows: [{ table: 'public.<b>bold</b> & co', expected: 3, restored: 3 }],
        mismatches: [],
      },
      durationSeconds: 1.5,
      target: 'app<x>',
      skipped: { ownership: 12, privileges: 3 },
    };
    try {
      await writeRestoreSummary(report);
    } finally {
      if (saved === undefined) delete process.env.GITHUB_STEP_SUMMARY;
      else process.env.GITHUB_STEP_SUMMARY = saved;
    }
    const html = await readFile(file, 'utf8');
    expect(html).toContain('<td>public.&lt;b&gt;bold&lt;/b&gt; &amp; co</td>');
    expect(html).toContain('<td>app&lt;x&gt;</td>');
    expect(html).not.toContain('<b>bold</b>');
    expect(html).toContain('<details><summary>Rows per table (1)</summary>');
    expect(html).toContain(
      '12 ownership statements of the backup were not applied (no-owner): every restored object belongs to the restoring user. 3 privilege statements of the backup were not applied (no-privileges)',
    );
    expect(html).toMatch(
      /<table><tr><th>Field<\/th><th>Value<\/th><\/tr><tr><td>Status<\/td><td>✅ restored<\/td>/,
    );
  });
});

describe('LineSplitter', () => {
  it('emits whole lines however the text is cut into chunks', () => {
    const text =
      'psql:<stdin>:116: ERROR:  unrecognized collation provider: builtin\npsql: done\nlast';
    for (let cut = 1; cut < text.length; cut += 1) {
      const lines: string[] = [];
      const splitter = new LineSplitter((l) => lines.push(l));
      splitter.push(text.slice(0, cut));
      splitter.push(text.slice(cut));
      splitter.end();
      expect(lines).toEqual([
        'psql:<stdin>:116: ERROR:  unrecognized collation provider: builtin',
        'psql: done',
        'last',
      ]);
    }
  });
});
