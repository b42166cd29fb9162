import * as core from '@actions/core';

/** Human-readable byte count, e.g. `12.3 MiB`. */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return unit === 0 ? `${bytes} B` : `${value.toFixed(1)} ${units[unit]}`;
}

/** Writes the buffered job summary where the runner provides a summary file; drops it elsewhere. */
export async function flushSummary(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  if (env.GITHUB_STEP_SUMMARY) await core.summary.write();
  else core.summary.emptyBuffer();
}

/** Escapes text for the HTML of a job summary. */
export function escapeHtml(text: string): string {
  return text.replace(
    /[&<>"]/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c] ?? c,
  );
}

/** Adds a collapsed table (a `<details>` block) to the job summary; every cell is escaped. */
export function addCollapsedTable(title: string, headers: string[], rows: string[][]): void {
  const cells = (tag: string, row: string[]) =>
    `<tr>${row.map((c) => `<${tag}>${escapeHtml(c)}</${tag}>`).join('')}</tr>`;
  core.summary.addDetails(
    escapeHtml(title),
    `<table>${cells('th', headers)}${rows.map((r) => cells('td', r)).join('')}</table>`,
  );
}
