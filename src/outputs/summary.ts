import { appendFileSync } from 'node:fs';
import * as core from '@actions/core';

/** Writes the buffered job summary where the runner provides a summary file; drops it elsewhere. */
export async function flushSummary(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  if (!env.GITHUB_STEP_SUMMARY) {
    core.summary.emptyBuffer();
    return;
  }
  // Outside a runner the file may not exist yet; @actions/core refuses to write a missing one.
  appendFileSync(env.GITHUB_STEP_SUMMARY, '');
  await core.summary.write();
}

/** Escapes text for the HTML of a job summary. */
export function escapeHtml(text: string): string {
  return text.replace(
    /[&<>"]/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c] ?? c,
  );
}

/** How a run ended, as its job summary's status line tells it. */
export interface RunStatus {
  /** The command, unless the `command` input itself was invalid. */
  command?: string;
  /** True when the command succeeded. */
  ok: boolean;
  /** The result line (success) or the error (failure). */
  line: string;
  /** False when the command wrote no summary of its own (a failure before its report). */
  hasReport: boolean;
}

/**
 * Appends the status line to the job summary, after the command's own summary; a failed run that
 * wrote none gets a heading first, so that every run, failed or not, leaves a summary.
 */
export async function writeStatusSummary(
  status: RunStatus,
  env: NodeJS.ProcessEnv = process.env,
): Promise<void> {
  const what = `PostgreSQL ${status.command ?? 'backup action'}`;
  if (!status.hasReport) core.summary.addHeading(`${what} ${status.ok ? 'done' : 'failed'}`, 3);
  const label = status.ok ? '✅ Status: succeeded.' : '❌ Status: failed.';
  core.summary.addRaw(`<p><b>${label}</b> ${escapeHtml(status.line)}</p>`, true);
  await flushSummary(env);
}

/**
 * Rows a summary table shows at most: GitHub drops a step summary over 1 MiB whole, and a
 * database of 20,000 tables would make one of 1.5 MB. The counts around the table stay whole.
 */
export const MAX_SUMMARY_ROWS = 500;

/** The first {@link MAX_SUMMARY_ROWS} rows, and a last row saying how many were left out. */
export function capRows(rows: string[][], width: number): string[][] {
  if (rows.length <= MAX_SUMMARY_ROWS) return rows;
  const more = `… and ${rows.length - MAX_SUMMARY_ROWS} more (not shown)`;
  return [...rows.slice(0, MAX_SUMMARY_ROWS), [more, ...Array<string>(width - 1).fill('')]];
}

/** Adds a collapsed table (a `<details>` block) to the job summary; every cell is escaped. */
export function addCollapsedTable(title: string, headers: string[], rows: string[][]): void {
  const cells = (tag: string, row: string[]) =>
    `<tr>${row.map((c) => `<${tag}>${escapeHtml(c)}</${tag}>`).join('')}</tr>`;
  const shown = capRows(rows, headers.length);
  core.summary.addDetails(
    escapeHtml(title),
    `<table>${cells('th', headers)}${shown.map((r) => cells('td', r)).join('')}</table>`,
  );
}

/** A heading and a two-column Field/Value table; the values are written as given (escape them first). */
export function addFieldTable(heading: string, rows: string[][]): void {
  core.summary.addHeading(heading, 3);
  core.summary.addTable([
    [
      { data: 'Field', header: true },
      { data: 'Value', header: true },
    ],
    ...rows,
  ]);
}
