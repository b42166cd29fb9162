import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as core from '@actions/core';
import { describe, expect, it } from '@jest/globals';
import { flushSummary } from '../../../src/outputs/summary.js';

describe('flushSummary', () => {
  it('creates a GITHUB_STEP_SUMMARY file that does not exist yet (outside a runner, e.g. GitLab CI)', async () => {
    const file = join(await mkdtemp(join(tmpdir(), 'summary-')), 'summary.html');
    const saved = process.env.GITHUB_STEP_SUMMARY;
    process.env.GITHUB_STEP_SUMMARY = file;
    try {
      core.summary.addHeading('PostgreSQL backup app-1', 3);
      await flushSummary();
    } finally {
      if (saved === undefined) delete process.env.GITHUB_STEP_SUMMARY;
      else process.env.GITHUB_STEP_SUMMARY = saved;
    }
    expect(await readFile(file, 'utf8')).toContain('<h3>PostgreSQL backup app-1</h3>');
  });
});
