// The runbook tests' kit: the `run:` scripts of examples/runbook-*.yml, run as a runner runs them
// (bash -eo pipefail, the step's env, psql/pg_dump 18 on PATH); a bulk table that gives the
// measured times a stated size; whole-table checksums; and a stopwatch whose laps end up in the log.
// The commands themselves run in-process through command-run.ts.
import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  clientBinDirFor,
  quoteIdent,
  quoteLiteral,
  type PgCluster,
} from '../../scripts/lib/pg-cluster.js';
import { REPO } from '../../scripts/lib/repo.js';
import { collectProcess } from '../../scripts/lib/spawn.js';

/** Rows of the bulk table; RUNBOOK_ROWS overrides it (the docs' larger measurement). */
export const BULK_ROWS = Number(process.env.RUNBOOK_ROWS ?? 300_000);

/** The `run:` script of the step named `step` in examples/`file`, its indentation removed. */
export function stepScript(file: string, step: string): string {
  const lines = readFileSync(join(REPO, 'examples', file), 'utf8').split('\n');
  const at = lines.findIndex((l) => /^\s*- name: /.test(l) && l.trim() === `- name: ${step}`);
  if (at < 0) throw new Error(`no step '${step}' in ${file}`);
  const stepIndent = (lines[at] ?? '').indexOf('-');
  for (let i = at + 1; i < lines.length; i += 1) {
    const line = lines[i] ?? '';
    if (line.trim() && line.search(/\S/) <= stepIndent) break;
    const m = /^(\s*)run: (\|)?(.*)$/.exec(line);
    if (m) return m[2] ? blockAfter(lines, i, (m[1] ?? '').length) : `${m[3] ?? ''}\n`;
  }
  throw new Error(`step '${step}' of ${file} has no run script`);
}

function blockAfter(lines: string[], at: number, keyIndent: number): string {
  const body: string[] = [];
  for (const line of lines.slice(at + 1)) {
    if (line.trim() && line.search(/\S/) <= keyIndent) break;
    body.push(line);
  }
  const strip = Math.min(...body.filter((l) => l.trim()).map((l) => l.search(/\S/)));
  return `${body
    .map((l) => l.slice(strip))
    .join('\n')
    .trimEnd()}\n`;
}

/** What one step left: exit code, output, and what it appended to the job summary and env file. */
export interface StepRun {
  code: number;
  stdout: string;
  stderr: string;
  summary: string;
  githubEnv: string;
}

/** Runs a step's script as the runner does (`bash --noprofile --norc -eo pipefail`), never throws. */
export async function runStep(
  file: string,
  step: string,
  env: Record<string, string>,
): Promise<StepRun> {
  const script = stepScript(file, step);
  if (script.includes('${{')) throw new Error(`step '${step}' has an expression in its script`);
  const dir = await mkdtemp(join(tmpdir(), 'runbook-step-'));
  const paths = {
    script: join(dir, 'step.sh'),
    summary: join(dir, 'summary'),
    env: join(dir, 'env'),
  };
  await Promise.all([
    writeFile(paths.script, script),
    writeFile(paths.summary, ''),
    writeFile(paths.env, ''),
  ]);
  try {
    const run = await collectProcess(
      'bash',
      ['--noprofile', '--norc', '-eo', 'pipefail', paths.script],
      {
        env: stepEnv({ ...env, GITHUB_STEP_SUMMARY: paths.summary, GITHUB_ENV: paths.env }),
        cwd: dir,
      },
    );
    const [summary, githubEnv] = await Promise.all([
      readFile(paths.summary, 'utf8'),
      readFile(paths.env, 'utf8'),
    ]);
    return { code: run.code, stdout: run.stdout, stderr: run.stderr, summary, githubEnv };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The runner's environment for a step: no stray PG* settings, the 18 client first on PATH. */
function stepEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('PG')) env[k] = v;
  const path = `${clientBinDirFor(18)}:${process.env.PATH ?? '/usr/bin:/bin'}`;
  return { ...env, PATH: path, PGCONNECT_TIMEOUT: '10', PGSSLMODE: 'disable', ...extra };
}

/**
 * bulk.readings: `rows` rows of about 120 bytes with a primary key and a second index, so that
 * the measured times belong to a database of a stated size.
 */
export async function seedBulk(cluster: PgCluster, database: string, rows = BULK_ROWS) {
  await cluster.psql(
    `CREATE SCHEMA bulk;
     CREATE TABLE bulk.readings (id bigint PRIMARY KEY, device integer NOT NULL,
       taken_at timestamptz NOT NULL, value double precision NOT NULL, note text);
     INSERT INTO bulk.readings SELECT g, g % 1000, timestamptz '2026-01-01' + g * interval '1 s',
       (g % 9973) / 7.0, md5(g::text) FROM generate_series(1, ${rows}) AS g;
     CREATE INDEX readings_device_idx ON bulk.readings (device, taken_at);
     ANALYZE bulk.readings;`,
    database,
  );
}

/** The database's size as pg_database_size reports it, in MB. */
export async function databaseMegabytes(cluster: PgCluster, database: string): Promise<number> {
  const out = await cluster.psql(`SELECT pg_database_size(${quoteLiteral(database)})`, database);
  return Math.round(Number(out.trim()) / 1e6);
}

const TABLES_SQL = `SELECT coalesce(json_agg(json_build_array(n.nspname, c.relname)), '[]')
  FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
  WHERE c.relkind = 'r' AND n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND n.nspname NOT LIKE 'pg\\_%'`;

/**
 * Every ordinary table's content as `count:sum of 60-bit row hashes` (order-free, no sort), keyed
 * `schema.table`: equal values mean equal rows. `where` filters the rows of the tables it names.
 */
export async function tableChecksums(
  cluster: PgCluster,
  database: string,
  where: Record<string, string> = {},
): Promise<Record<string, string>> {
  const tables = JSON.parse((await cluster.psql(TABLES_SQL, database)).trim()) as [
    string,
    string,
  ][];
  const parts = tables.map(([schema, table]) => {
    const key = `${schema}.${table}`;
    const filter = where[key] ? `WHERE ${where[key]}` : '';
    return `SELECT ${quoteLiteral(key)} AS k, count(*) || ':' || coalesce(sum(('x' || substr(md5(x::text), 1, 15))::bit(60)::bigint::numeric), 0) AS v FROM ONLY ${quoteIdent(schema)}.${quoteIdent(table)} AS x ${filter}`;
  });
  const sql = `SELECT json_object_agg(k, v) FROM (${parts.join(' UNION ALL ')}) AS sums`;
  return JSON.parse((await cluster.psql(sql, database)).trim()) as Record<string, string>;
}

/** A stopwatch: `lap(name, fn)` times fn; `report(title)` prints every lap and the total. */
export function stopwatch() {
  const laps: [string, number][] = [];
  return {
    laps,
    async lap<T>(name: string, fn: () => Promise<T>): Promise<T> {
      const started = performance.now();
      try {
        return await fn();
      } finally {
        laps.push([name, (performance.now() - started) / 1000]);
      }
    },
    report(title: string): string {
      const total = laps.reduce((s, [, t]) => s + t, 0);
      const lines = [...laps, ['total', total] as [string, number]].map(
        ([n, t]) => `  ${n.padEnd(48)} ${t.toFixed(1).padStart(7)} s`,
      );
      const text = `${title}\n${lines.join('\n')}`;
      process.stderr.write(`${text}\n`);
      return text;
    },
  };
}

/** Runs one query as another user (the application's view); its exit code and output. */
export async function queryAs(
  cluster: PgCluster,
  database: string,
  login: { user: string; password: string },
  sql: string,
): Promise<{ code: number | null; stdout: string }> {
  const psql = join(clientBinDirFor(18), 'psql');
  return collectProcess(psql, ['-X', '-A', '-t', '-c', sql, cluster.url(database, login)], {
    env: { PATH: process.env.PATH, PGSSLMODE: 'disable', PGCONNECT_TIMEOUT: '10' },
  });
}
