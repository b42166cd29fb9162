#!/usr/bin/env node
// npm run bench: the action against bare pg_dump on the same data in the same run.
// Reports ratios (action time / bare pg_dump time) and the action's peak RSS; absolute times vary by machine.
// BENCH_SCALE (pgbench scale, default 20 ≈ 300 MB of tables) and BENCH_MAJOR (default: 18 when available).
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  REPO_ROOT,
  availableMajors,
  clientBinDir,
  clientBinDirFor,
  clientEnv,
  connArgs,
  runCommand,
  startCluster,
} from '../__tests__/helpers/pg-cluster.ts';

const scale = Number(process.env.BENCH_SCALE ?? 20);
const major = Number(process.env.BENCH_MAJOR ?? (availableMajors().includes(18) ? 18 : 15));

/** Runs a command, returns seconds and the peak RSS (kB) of the process itself, polled from /proc. */
function timed(cmd, args, env) {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(cmd, args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let peak = 0;
    let err = '';
    const poll = setInterval(async () => {
      const status = await readFile(`/proc/${child.pid}/status`, 'utf8').catch(() => '');
      const hwm = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0);
      peak = Math.max(peak, hwm);
    }, 50);
    child.stderr.on('data', (d) => (err += d));
    child.on('close', (code) => {
      clearInterval(poll);
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      if (code === 0) resolve({ seconds, peakKb: peak });
      else reject(new Error(`${cmd} exited ${code}: ${err.slice(-500)}`));
    });
  });
}

async function main() {
  const work = await mkdtemp(join(tmpdir(), 'pg-backup-bench-'));
  const cluster = await startCluster(major);
  try {
    const bin = clientBinDir(major) ?? clientBinDirFor(major);
    const env = clientEnv(cluster);
    await cluster.createDatabase('bench');
    console.log(`PostgreSQL ${major}, pgbench scale ${scale}: loading…`);
    await runCommand(
      '/usr/lib/postgresql/15/bin/pgbench',
      ['-i', '-q', '-s', String(scale), ...connArgs(cluster, 'bench')],
      { env },
    );
    const size = (await cluster.psql("SELECT pg_database_size('bench')", 'bench')).trim();
    console.log(`database size: ${(Number(size) / 1048576).toFixed(0)} MiB; client ${bin}`);
    const compression = major >= 16 ? 'zstd:3' : '6';
    const bare = (out, extra = []) =>
      timed(
        join(bin, 'pg_dump'),
        ['-Fc', `--compress=${compression}`, ...extra, '-f', out, ...connArgs(cluster, 'bench')],
        env,
      );
    const recipient = 'age1peeekq8zr8492rrjr2wvsnz8ne28wqzspdt2tg0r28ymzxf72skqannpyx';
    const action = (verify, storage, extra = {}) =>
      timed(process.execPath, [join(REPO_ROOT, 'dist/index.js')], {
        ...extra,
        PATH: process.env.PATH,
        'INPUT_DATABASE-URL': cluster.url('bench'),
        INPUT_STORAGE: storage,
        INPUT_VERIFY: verify,
        'INPUT_PG-BIN-DIR': bin,
        RUNNER_TEMP: work,
        GITHUB_OUTPUT: join(work, 'out'),
      });
    await writeFile(join(work, 'out'), '');
    await bare(join(work, 'warmup.dump'));
    const rows = [];
    for (let round = 1; round <= 2; round += 1) {
      const b = await bare(join(work, `bare-${round}.dump`));
      const v = await action('archive', join(work, `verified-${round}`));
      const n = await action('none', join(work, `plain-${round}`));
      const enc = await action('archive', join(work, `age-${round}`), {
        'INPUT_AGE-RECIPIENTS': recipient,
      });
      const gz = await timed(
        'bash',
        [
          '-c',
          `"$0"/pg_dump ${connArgs(cluster, 'bench')
            .map((a) => `'${a}'`)
            .join(' ')} | gzip > "$1"`,
          bin,
          join(work, `blog-${round}.sql.gz`),
        ],
        env,
      );
      rows.push({
        round,
        bare: b.seconds,
        verified: v.seconds,
        unverified: n.seconds,
        encrypted: enc.seconds,
        blog: gz.seconds,
        peakVerified: v.peakKb,
        peakNone: n.peakKb,
      });
    }
    const restoreRows = await benchRestore(cluster, bin, env, work, action);
    const best = (k) => Math.min(...rows.map((r) => r[k]));
    const bareSize = (await stat(join(work, 'bare-1.dump'))).size;
    console.log(
      `\nbest of ${rows.length} rounds (seconds): bare pg_dump -Fc -Z ${compression}: ${best('bare').toFixed(2)}, action verify=archive: ${best('verified').toFixed(2)}, action verify=none: ${best('unverified').toFixed(2)}, pg_dump | gzip: ${best('blog').toFixed(2)}`,
    );
    console.log(
      `ratio action(verify=archive) / bare pg_dump: ${(best('verified') / best('bare')).toFixed(2)}`,
    );
    console.log(
      `ratio action(verify=none)    / bare pg_dump: ${(best('unverified') / best('bare')).toFixed(2)}`,
    );
    console.log(
      `ratio pg_dump | gzip (blog script) / bare pg_dump: ${(best('blog') / best('bare')).toFixed(2)}`,
    );
    console.log(
      `ratio action(verify=archive + age) / bare pg_dump: ${(best('encrypted') / best('bare')).toFixed(2)} (age adds ${(best('encrypted') - best('verified')).toFixed(2)} s)`,
    );
    console.log(
      `archive size ${(bareSize / 1048576).toFixed(1)} MiB; action peak RSS: ${(Math.max(...rows.map((r) => r.peakVerified)) / 1024).toFixed(0)} MiB (verify=archive), ${(Math.max(...rows.map((r) => r.peakNone)) / 1024).toFixed(0)} MiB (verify=none)`,
    );
    const bestR = (k) => Math.min(...restoreRows.map((r) => r[k]));
    console.log(
      `restore of the same archive (seconds): bare pg_restore -d: ${bestR('bare').toFixed(2)}, bare pg_restore --single-transaction: ${bestR('single').toFixed(2)}, action restore (sha256 + one transaction + row check): ${bestR('action').toFixed(2)}`,
    );
    console.log(
      `ratio action restore / bare pg_restore: ${(bestR('action') / bestR('bare')).toFixed(2)}; / bare pg_restore --single-transaction: ${(bestR('action') / bestR('single')).toFixed(2)}`,
    );
  } finally {
    await cluster.stop();
    await rm(work, { recursive: true, force: true });
  }
}

/** Restores the first verified backup with bare pg_restore and with the action, twice each, into fresh databases. */
async function benchRestore(cluster, bin, env, work, action) {
  const storage = join(work, 'verified-1');
  const archive = join(
    storage,
    (await readdir(storage)).find((n) => n.endsWith('.dump')),
  );
  const rows = [];
  for (let round = 1; round <= 2; round += 1) {
    const names = [`bare_${round}`, `single_${round}`];
    for (const db of names) await cluster.createDatabase(db);
    const bare = await timed(
      join(bin, 'pg_restore'),
      ['--no-owner', ...connArgs(cluster, names[0]), archive],
      env,
    );
    const single = await timed(
      join(bin, 'pg_restore'),
      ['--no-owner', '--single-transaction', ...connArgs(cluster, names[1]), archive],
      env,
    );
    const act = await timed(process.execPath, [join(REPO_ROOT, 'dist/index.js')], {
      PATH: process.env.PATH,
      INPUT_COMMAND: 'restore',
      'INPUT_TARGET-DATABASE-URL': cluster.url(`action_${round}`),
      INPUT_STORAGE: storage,
      'INPUT_PG-BIN-DIR': bin,
      RUNNER_TEMP: work,
      GITHUB_OUTPUT: join(work, 'out'),
    });
    rows.push({ bare: bare.seconds, single: single.seconds, action: act.seconds });
  }
  return rows;
}

main().catch((error) => {
  console.error(`bench failed: ${error.message}`);
  process.exitCode = 1;
});
