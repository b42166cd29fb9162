#!/usr/bin/env node
// The demo: a throwaway PostgreSQL with sample data, backed up by the bundled action (dist/index.js,
// run the way a runner runs it) into a local directory, verified, restored into a fresh database
// with pg_restore, and the row counts compared. Run with `npm run demo` (Node 24, as root on Debian 12).
import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  REPO_ROOT,
  availableMajors,
  clientBinDirFor,
  clientEnv,
  connArgs,
  runCommand,
  startCluster,
} from './lib/pg-cluster.ts';
import { parseFileCommand } from './lib/action-env.ts';

const say = (text) => process.stdout.write(`\n\x1b[1m== ${text}\x1b[0m\n`);

/** @returns {import('./lib/pg-cluster.ts').ServerMajor} */
function chooseMajor() {
  const usable = availableMajors().filter((m) => {
    try {
      return Boolean(clientBinDirFor(m));
    } catch {
      return false;
    }
  });
  return /** @type {import('./lib/pg-cluster.ts').ServerMajor} */ (
    usable.includes(15) ? 15 : usable.at(-1)
  );
}

function ensureProvisioned() {
  if (chooseMajor()) return;
  say('No PostgreSQL server/client found: running scripts/provision.sh');
  const r = spawnSync('bash', [join(REPO_ROOT, 'scripts/provision.sh')], { stdio: 'inherit' });
  if (r.status !== 0 || !chooseMajor()) throw new Error('provisioning failed; see above');
}

async function psqlJson(cluster, db, sql) {
  const { stdout } = await runCommand(
    join(clientBinDirFor(cluster.major), 'psql'),
    ['-X', '-A', '-t', '-q', ...connArgs(cluster, db), '-c', sql],
    {
      env: clientEnv(cluster),
    },
  );
  return JSON.parse(stdout.trim() || 'null');
}

async function loadSampleData(cluster) {
  await cluster.createDatabase('shop');
  const psql = join(clientBinDirFor(cluster.major), 'psql');
  const fixture = join(REPO_ROOT, '__tests__/fixtures/sample-schema.sql');
  await runCommand(
    psql,
    ['-X', '-q', '-v', 'ON_ERROR_STOP=1', ...connArgs(cluster, 'shop'), '-f', fixture],
    { env: clientEnv(cluster) },
  );
}

function runAction(env) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(REPO_ROOT, 'dist/index.js')], {
      env,
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    child.on('close', (code) => resolve(code ?? 1));
  });
}

async function countRows(cluster, db, tables) {
  const counts = {};
  for (const t of tables) {
    const q = `SELECT json_build_object('n', count(*)) FROM ONLY "${t.schema.replace(/"/g, '""')}"."${t.name.replace(/"/g, '""')}"`;
    counts[`${t.schema}.${t.name}`] = (await psqlJson(cluster, db, q)).n;
  }
  return counts;
}

async function main() {
  ensureProvisioned();
  const major = chooseMajor();
  const work = await mkdtemp(join(tmpdir(), 'pg-backup-demo-'));
  say(`Starting a throwaway PostgreSQL ${major} and loading sample data`);
  const cluster = await startCluster(major);
  try {
    await loadSampleData(cluster);
    const files = {
      out: join(work, 'output'),
      summary: join(work, 'summary.md'),
      state: join(work, 'state'),
    };
    for (const f of Object.values(files)) await writeFile(f, '');
    say(`Running the action (node dist/index.js) with storage ${join(work, 'backups')}`);
    const code = await runAction({
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      'INPUT_DATABASE-URL': cluster.url('shop'),
      INPUT_STORAGE: join(work, 'backups'),
      INPUT_LABELS: 'purpose=demo',
      GITHUB_OUTPUT: files.out,
      GITHUB_STEP_SUMMARY: files.summary,
      GITHUB_STATE: files.state,
      RUNNER_TEMP: work,
    });
    if (code !== 0) throw new Error(`the action failed with exit code ${code}`);
    const outputs = parseFileCommand(await readFile(files.out, 'utf8'));
    const manifest = JSON.parse(await readFile(outputs['manifest-location'], 'utf8'));

    say('Restoring it with the action (command: restore) into a new database shop_restored');
    const restoreOut = join(work, 'restore-output');
    await writeFile(restoreOut, '');
    const restoreCode = await runAction({
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      INPUT_COMMAND: 'restore',
      'INPUT_TARGET-DATABASE-URL': cluster.url('shop_restored'),
      INPUT_STORAGE: join(work, 'backups'),
      GITHUB_OUTPUT: restoreOut,
      GITHUB_STEP_SUMMARY: files.summary,
      GITHUB_STATE: files.state,
      RUNNER_TEMP: work,
    });
    if (restoreCode !== 0) throw new Error(`the restore failed with exit code ${restoreCode}`);
    const restoredOutputs = parseFileCommand(await readFile(restoreOut, 'utf8'));
    const restored = await countRows(cluster, 'shop_restored', manifest.tables);

    say('Outputs');
    for (const k of [
      'backup-id',
      'location',
      'manifest-location',
      'size',
      'sha256',
      'duration',
      'server-version',
      'client-version',
      'tables',
      'rows',
      'verified',
    ]) {
      console.log(`  ${k.padEnd(18)} ${outputs[k]}`);
    }
    const sha = spawnSync('sha256sum', [outputs.location]).stdout?.toString().split(' ')[0];
    console.log(
      `  ${'sha256sum of file'.padEnd(18)} ${sha} ${sha === outputs.sha256 ? '(matches)' : '(MISMATCH)'}`,
    );

    console.log(
      `  ${'restore verified'.padEnd(18)} ${restoredOutputs.verified} (${restoredOutputs.rows} rows in ${restoredOutputs.duration} s)`,
    );
    say('Rows per table: manifest (counted while streaming) vs restored database (counted now)');
    let mismatches = 0;
    for (const t of manifest.tables) {
      const key = `${t.schema}.${t.name}`;
      const ok = restored[key] === t.rows;
      if (!ok) mismatches += 1;
      console.log(
        `  ${key.padEnd(40)} ${String(t.rows).padStart(8)} ${String(restored[key]).padStart(8)}  ${ok ? 'ok' : 'MISMATCH'}`,
      );
    }
    const total = Object.values(restored).reduce((a, b) => a + b, 0);
    say(
      mismatches === 0 && sha === outputs.sha256
        ? `Verified backup restored: ${manifest.tables.length} tables, ${total} rows match the manifest.`
        : `${mismatches} table(s) differ.`,
    );
    console.log(
      `Backup files are in ${join(work, 'backups')}; the job summary is ${files.summary}.`,
    );
    process.exitCode = mismatches === 0 && sha === outputs.sha256 ? 0 : 1;
  } finally {
    await cluster.stop();
  }
}

main().catch((error) => {
  console.error(`demo failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
});
