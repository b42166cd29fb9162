#!/usr/bin/env node
// Prints the tables of a results file again: node bench/table.mjs bench/results/<file>.json
// With --write, also puts them into docs/performance.md between its bench-table markers (the file
// is created with a short introduction when absent); nothing else in that file is touched.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pairedRatio, printTable, printTargets, targets } from './report.mjs';

const REPO = join(import.meta.dirname, '..');
const DOC = join(REPO, 'docs', 'performance.md');
const START = '<!-- bench-table:start -->';
const END = '<!-- bench-table:end -->';
const INTRO = `# Performance

What the action costs next to bare \`pg_dump\` / \`pg_restore\` on the same data, measured by
\`npm run bench\` (see the head of \`bench/bench.mjs\` for its settings). The table between the
markers is generated from a results file by \`node bench/table.mjs bench/results/<file>.json --write\`;
edit the text around it, not the table.
`;

const file = process.argv[2] ?? '';
const results = JSON.parse(readFileSync(file, 'utf8'));
const lines = [];
const log = (line) => lines.push(line);
const loads = results.machine.loadAverage1m.map((l) => l.toFixed(1)).join(' → ');
const link = results.network ? `; n cases through ${results.network.what}` : '';
log(
  `${(results.databaseBytes / 2 ** 30).toFixed(2)} GiB database (pgbench scale ${results.scale}), PostgreSQL ${results.serverMajor}, medians of ${results.rounds}, ${results.action}; ${results.machine.cpus} cores (${results.machine.model}), 1-minute load average over the run ${loads}${link}. From \`${file.replace(/^.*bench\/results\//, 'bench/results/')}\`.`,
);
for (const row of results.rows)
  row.pairedRatio ??= row.base
    ? pairedRatio(results.samples[row.id], results.samples[row.base])
    : undefined;
printTable(results.rows, log);
printTargets(targets(results.rows, results.samples), log);
process.stdout.write(`${lines.join('\n')}\n`);
if (process.argv.includes('--write')) writeDoc(lines.join('\n'));

function writeDoc(table) {
  const block = `${START}\n${table}\n${END}`;
  const text = existsSync(DOC) ? readFileSync(DOC, 'utf8') : `${INTRO}\n${START}\n${END}\n`;
  const at = text.indexOf(START);
  const end = text.indexOf(END);
  const next =
    at !== -1 && end > at
      ? `${text.slice(0, at)}${block}${text.slice(end + END.length)}`
      : `${text.trimEnd()}\n\n${block}\n`;
  writeFileSync(DOC, next);
  process.stdout.write(`\nwritten: docs/performance.md\n`);
}
