#!/usr/bin/env node
// npm run bench: the action side by side with bare pg_dump / pg_restore on the same data, in one
// run, cases alternating round by round; prints a table of medians and writes bench/results/*.json.
//   BENCH_SCALE   pgbench scale; the database also gets SCALE × 30 000 mixed rows (default 40 ≈ 1 GB)
//   BENCH_ROUNDS  rounds (default 3: medians of 3)
//   BENCH_CASES   comma list of cases to run: letters (g = g1,g2) or ids (h1); default a,b,c,d,e,f,g,h,n
//                 (h restores the archive of c's first round, so it needs c)
//   BENCH_NET_MBPS the n cases' link: server → client bytes per second, in MB/s (default 30)
//   BENCH_ACTION  `build` (default: bundle src/ with ncc into BENCH_DIR, never touching dist/), `reuse`
//                 (the bundle of an earlier run) or `dist` (the committed dist/index.js)
//   BENCH_DIR     where the database and the bundle are kept between runs (default /var/tmp/pg-backup-bench)
//   BENCH_MAJOR   server major (default 18; client: the newest in /usr/lib/postgresql)
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join, relative } from 'node:path';
import { REPO } from '../scripts/lib/repo.ts';
import { clientBinDirFor } from '../scripts/lib/pg-cluster.ts';
import { startS3Server } from '../scripts/lib/s3-server.ts';
import { actionScript } from './action-script.mjs';
import { benchCases } from './cases.mjs';
import { openBenchDatabase } from './database.mjs';
import { measure } from './measure.mjs';
import { startThrottleProxy } from './throttle.mjs';
import { printTable, printTargets, summarize, targets } from './report.mjs';

const scale = Number(process.env.BENCH_SCALE ?? 40);
const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
const major = Number(process.env.BENCH_MAJOR ?? 18);
const dir = process.env.BENCH_DIR ?? '/var/tmp/pg-backup-bench';
const only = (process.env.BENCH_CASES ?? 'a,b,c,d,e,f,g,h,n').split(',');
const netMBps = Number(process.env.BENCH_NET_MBPS ?? 30);
const mode = process.env.BENCH_ACTION ?? 'build';
const log = (line) => process.stdout.write(`${line}\n`);

async function main() {
  mkdirSync(dir, { recursive: true });
  const bin = clientBinDirFor(major);
  const tool = (name) => join(bin, name);
  const script = actionScript(mode, dir, log);
  const db = await openBenchDatabase({
    dir,
    major,
    scale,
    pgbench: '/usr/lib/postgresql/15/bin/pgbench',
    psql: tool('psql'),
    log,
  });
  const s3 = only.includes('f') ? await startS3Server(['bench']) : undefined;
  const net = only.some((c) => c.startsWith('n')) ? await throttledLink(db) : undefined;
  const work = join(dir, `work-${process.pid}`);
  mkdirSync(work, { recursive: true });
  try {
    const dbSize = Number(db.sql("SELECT pg_database_size('bench')"));
    log(
      `PostgreSQL ${major}, pgbench scale ${scale}: database ${(dbSize / 2 ** 30).toFixed(2)} GiB; client ${bin}`,
    );
    const ctx = { db, s3, net, bin, tool, script, work, dbSize };
    const cases = benchCases(ctx).filter((c) => only.includes(c.id) || only.includes(c.id[0]));
    const watch = () => ({ postgres: db.postmasterPid(), ...(s3 ? { s3rver: s3Pid() } : {}) });
    const samples = Object.fromEntries(cases.map((c) => [c.id, []]));
    await warmUp(ctx);
    const loads = [loadavg()[0]];
    for (let round = 1; round <= rounds; round += 1) {
      for (const c of cases) {
        const run = await /** @type {{prepare?: (round: number) => Promise<any>}} */ (c).prepare?.(
          round,
        );
        const result = await measure(run?.cmd ?? c.cmd, run?.args ?? c.args(round), {
          env: run?.env ?? c.env,
          cwd: run?.cwd ?? work,
          watch: watch(),
        });
        samples[c.id].push({
          ...result,
          stdout: undefined,
          progressLines: progressLines(result.stdout),
        });
        log(`round ${round} ${c.id.padEnd(4)} ${result.seconds.toFixed(2)} s  ${c.title}`);
        await c.cleanup?.(round);
        for (const n of readdirSync(work))
          if (n.startsWith('runner-')) rmSync(join(work, n), { recursive: true, force: true });
      }
      loads.push(loadavg()[0]);
    }
    const rows = summarize(cases, samples, dbSize);
    printTable(rows, log);
    const goals = targets(rows, samples);
    printTargets(goals, log);
    writeResults({ rows, targets: goals, samples, dbSize, loads, bin, script, net });
  } finally {
    await s3?.stop();
    await net?.stop();
    db.stop();
    rmSync(work, { recursive: true, force: true });
  }
}

/** The throttled link of the n cases: a proxy in front of the server, `url()` through it. */
async function throttledLink(db) {
  const proxy = await startThrottleProxy({ port: db.port, bytesPerSecond: netMBps * 1e6 });
  const label = `a ${netMBps} MB/s server → client link`;
  return { ...proxy, label, url: () => `postgresql://postgres@127.0.0.1:${proxy.port}/bench` };
}

function s3Pid() {
  const res = spawnSync('pgrep', ['-P', String(process.pid), '-f', 's3rver-process'], {
    encoding: 'utf8',
  });
  return Number(res.stdout.trim().split('\n')[0]) || -1;
}

function progressLines(stdout) {
  return (stdout ?? '')
    .split('\n')
    .filter((l) => /^(Dumping|Storing|Uploading|Restoring)[: ]/.test(l)).length;
}

/** One bare dump to warm the page cache, so round 1 is not the only cold one. */
async function warmUp({ db, tool, work }) {
  await measure(tool('pg_dump'), ['-Fc', '-Z', 'zstd:3', '-f', join(work, 'warm.dump'), db.url()], {
    env: process.env,
  });
  rmSync(join(work, 'warm.dump'));
}

function writeResults({ rows, targets: goals, samples, dbSize, loads, bin, script, net }) {
  const results = join(REPO, 'bench', 'results');
  mkdirSync(results, { recursive: true });
  const date = new Date().toISOString().slice(0, 10);
  const name = `${date}-${(dbSize / 2 ** 30).toFixed(1)}GiB${process.env.BENCH_CASES ? `-${only.join('')}` : ''}.json`;
  const machine = { cpus: cpus().length, model: cpus()[0]?.model, loadAverage1m: loads };
  const body = {
    date: new Date().toISOString(),
    scale,
    rounds,
    serverMajor: major,
    client: bin,
    action: mode === 'dist' ? 'dist/index.js' : 'ncc bundle of src/',
    // Where the bundle ran from, without this machine's paths.
    script: script.startsWith(dir)
      ? `BENCH_DIR${script.slice(dir.length)}`
      : relative(REPO, script),
    databaseBytes: dbSize,
    network: net ? { serverToClientBytesPerSecond: netMBps * 1e6, what: net.label } : undefined,
    machine,
    rows,
    targets: goals,
    samples,
  };
  writeFileSync(join(results, name), `${JSON.stringify(body, null, 2)}\n`);
  log(`\nwritten: bench/results/${name}`);
}

main().catch((error) => {
  process.stderr.write(`bench failed: ${error.stack ?? error.message}\n`);
  process.exitCode = 1;
});
