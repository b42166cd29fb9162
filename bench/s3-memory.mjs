#!/usr/bin/env node
// Peak memory of the action while it streams a multi-GB backup to S3 (a local s3rver).
// BENCH_S3_ROWS × 64 MiB of random bytea (default 24 ≈ 1.5 GiB of data, ≈ 3 GiB of dump as COPY hex).
// BENCH_ACTION: `build` (default: an ncc bundle of src/ in a temp dir) or `dist` (the committed dist/).
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { availableMajors, startCluster } from '../scripts/lib/pg-cluster.ts';
import { S3_CREDENTIALS, startS3Server } from '../scripts/lib/s3-server.ts';
import { DEFAULTS } from '../scripts/lib/repo.ts';
import { actionScript } from './action-script.mjs';

const rows = Number(process.env.BENCH_S3_ROWS ?? 24);

function runWithPeak(args, env) {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    let peak = 0;
    child.stdout.on('data', (d) => (out += d));
    const poll = setInterval(() => {
      void readFile(`/proc/${child.pid}/status`, 'utf8')
        .catch(() => '')
        .then((status) => {
          peak = Math.max(peak, Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0));
        });
    }, 100);
    child.on('close', (code) => {
      clearInterval(poll);
      if (code === 0) resolve({ seconds: (Date.now() - started) / 1000, peakKb: peak, out });
      else
        reject(
          new Error(
            `action failed: ${out
              .split('\n')
              .filter((l) => l.startsWith('::error'))
              .join(' ')}`,
          ),
        );
    });
  });
}

async function main() {
  const work = await mkdtemp(join(tmpdir(), 'pg-backup-s3mem-'));
  const mode = process.env.BENCH_ACTION === 'dist' ? 'dist' : 'build';
  const script = actionScript(mode, work, (line) => console.log(line));
  const major = availableMajors().includes(18) ? 18 : 15;
  const [cluster, s3] = await Promise.all([startCluster(major), startS3Server(['bench'])]);
  try {
    await cluster.createDatabase('big');
    const chunk = join(tmpdir(), `rand-${process.pid}.bin`);
    await cluster.psql('CREATE TABLE blobs (id int, b bytea)', 'big');
    for (let i = 0; i < rows; i += 1) {
      await writeFile(chunk, randomBytes(64 << 20), { mode: 0o644 });
      await cluster.psql(`INSERT INTO blobs SELECT ${i}, pg_read_binary_file('${chunk}')`, 'big');
    }
    await rm(chunk, { force: true });
    const size = Number((await cluster.psql("SELECT pg_database_size('big')", 'big')).trim());
    console.log(
      `PostgreSQL ${major}: ${(size / 2 ** 30).toFixed(2)} GiB of random bytea; backing up to s3rver…`,
    );
    const outFile = join(work, 'out');
    await writeFile(outFile, '');
    const run = await runWithPeak([script], {
      PATH: process.env.PATH,
      // The runner sets every input, action.yml's defaults included (a bundle away from action.yml
      // cannot read them).
      ...Object.fromEntries(
        Object.entries(DEFAULTS).map(([k, v]) => [`INPUT_${k.toUpperCase()}`, v]),
      ),
      ...S3_CREDENTIALS,
      AWS_REGION: 'us-east-1',
      'INPUT_DATABASE-URL': cluster.url('big'),
      INPUT_STORAGE: 's3://bench/mem/',
      'INPUT_S3-ENDPOINT': s3.endpoint,
      'INPUT_S3-FORCE-PATH-STYLE': 'true',
      INPUT_COMPRESSION: 'none',
      RUNNER_TEMP: work,
      GITHUB_OUTPUT: outFile,
    });
    const stored = Number(/^size<<(.+)\n(\d+)/m.exec(await readFile(outFile, 'utf8'))?.[2] ?? 0);
    console.log(
      `stored ${(stored / 2 ** 30).toFixed(2)} GiB to S3 in ${run.seconds.toFixed(1)} s; action peak RSS ${(run.peakKb / 1024).toFixed(0)} MiB`,
    );
  } finally {
    await Promise.all([cluster.stop(), s3.stop()]);
    await rm(work, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(`s3-memory bench failed: ${error.message}`);
  process.exitCode = 1;
});
