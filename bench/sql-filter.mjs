#!/usr/bin/env node
// CPU of the restore's SQL filter on COPY data, against the filter of another revision:
//   npm run bench:sql-filter -- [REV]
// REV (default HEAD~1 of src/pipeline/sql-filter.ts's history) is written beside the current file
// for the run and removed after. The transform is called directly in 64 KiB chunks, so the figure is
// the filter's own CPU, without streams or pipes. 4 × 1 M pgbench_accounts-like rows (369 MiB).
import { execFileSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO } from '../scripts/lib/repo.ts';

const [, , revArg, role] = process.argv;
const rev =
  revArg ??
  execFileSync('git', ['log', '-n', '2', '--format=%h', '--', 'src/pipeline/sql-filter.ts'], {
    cwd: REPO,
    encoding: 'utf8',
  }).split('\n')[1];

/** The data, built in a function so that nothing but the buffer stays alive while it is timed. */
function copyText() {
  const rows = [];
  for (let i = 0; i < 1_000_000; i++) rows.push(`${i}\t${i % 40}\t0\t${' '.repeat(84)}\n`);
  const copy = `COPY public.pgbench_accounts (aid, bid, abalance, filler) FROM stdin;\n${rows.join('')}\\.\n\n`;
  return Buffer.from(copy.repeat(4));
}

/** One filter over the data, in this process: prints its CPU-seconds. */
async function measureOne(name, file) {
  const { SqlFilter } = await import(file);
  const data = copyText();
  const filter = new SqlFilter({
    knownSettings: new Set(),
    dropTransactionControl: true,
    refuseMetaCommands: true,
  });
  let out = 0;
  const take = (error, chunk) => {
    if (error) throw error;
    if (chunk) out += chunk.length;
  };
  const started = process.cpuUsage();
  for (let at = 0; at < data.length; at += 65536)
    filter._transform(data.subarray(at, at + 65536), 'buffer', take);
  filter._flush(take);
  const used = process.cpuUsage(started);
  if (out !== data.length) throw new Error(`${name}: ${out} bytes out of ${data.length}`);
  const seconds = (used.user + used.system) / 1e6;
  console.log(
    `${name.padEnd(10)} ${(data.length / 2 ** 20).toFixed(0)} MiB of COPY text: ${seconds.toFixed(2)} CPU-s, ${filter.lines} lines`,
  );
}

const old = join(REPO, 'src/pipeline', `.sql-filter-${rev.replace(/\W/g, '')}.ts`);
if (role)
  await measureOne(
    role === 'current' ? 'current' : rev,
    role === 'current' ? join(REPO, 'src/pipeline/sql-filter.ts') : old,
  );
else {
  writeFileSync(
    old,
    execFileSync('git', ['show', `${rev}:src/pipeline/sql-filter.ts`], {
      cwd: REPO,
      encoding: 'utf8',
    }),
  );
  try {
    // Each measure in a process of its own, alternating, so neither inherits the other's heap.
    for (const which of ['old', 'current', 'old', 'current'])
      execFileSync(process.execPath, [...process.execArgv, process.argv[1], rev, which], {
        stdio: 'inherit',
      });
  } finally {
    rmSync(old, { force: true });
  }
}
