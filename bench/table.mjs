#!/usr/bin/env node
// Prints the tables of a results file again: node bench/table.mjs bench/results/<file>.json
import { readFileSync } from 'node:fs';
import { pairedRatio, printTable, printTargets, targets } from './report.mjs';

const results = JSON.parse(readFileSync(process.argv[2] ?? '', 'utf8'));
const log = (line) => process.stdout.write(`${line}\n`);
log(
  `${(results.databaseBytes / 2 ** 30).toFixed(2)} GiB database (pgbench scale ${results.scale}), PostgreSQL ${results.serverMajor}, medians of ${results.rounds}, ${results.action}; load average ${results.machine.loadAverage1m.map((l) => l.toFixed(1)).join(' → ')}`,
);
for (const row of results.rows)
  row.pairedRatio ??= row.base
    ? pairedRatio(results.samples[row.id], results.samples[row.base])
    : undefined;
printTable(results.rows, log);
printTargets(targets(results.rows, results.samples), log);
