// What changed since the previous backup, with real PostgreSQL 15 and 18, real local storage and
// the backup command in-process: the first backup of a label (previous null), no change at all
// (the same schema fingerprint twice, though pg_dump writes a new \restrict key each run), rows
// inserted and deleted (sequence positions move: schema unchanged), only a column default changed
// (schema changed, no row change), tables added and dropped, and verify none (no fingerprint:
// schemaChanged null); custom and plain formats; the `changes` output in GITHUB_OUTPUT.
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Changes } from '../../src/catalog/changes.js';
import { backupSummaryRows, type BackupReport } from '../../src/outputs/backup.js';
import { backupWith, readManifest } from '../helpers/command-run.js';
import { startCluster, type PgCluster, type ServerMajor } from '../../scripts/lib/pg-cluster.js';

const MAJORS: ServerMajor[] = [15, 18];
const FORMATS = ['custom', 'plain'];
const clusters = new Map<number, PgCluster>();

const SCHEMA = `
  CREATE TABLE orders (id serial PRIMARY KEY, status text DEFAULT 'new', total numeric);
  CREATE TABLE sessions (id bigserial PRIMARY KEY, token text NOT NULL);
  CREATE TABLE "Audit Log" (at timestamptz DEFAULT now(), what text);
  CREATE INDEX orders_status ON orders (status);
  CREATE VIEW open_orders AS SELECT * FROM orders WHERE status = 'new';
  CREATE MATERIALIZED VIEW order_totals AS SELECT status, sum(total) FROM orders GROUP BY status;
  CREATE FUNCTION order_count() RETURNS bigint LANGUAGE sql AS 'SELECT count(*) FROM orders';
  COMMENT ON TABLE orders IS 'customer orders';
  INSERT INTO orders (total) SELECT g FROM generate_series(1, 300) g;
  INSERT INTO sessions (token) SELECT md5(g::text) FROM generate_series(1, 1000) g;
  INSERT INTO "Audit Log" (what) VALUES ('created');
  SELECT lo_from_bytea(0, 'a large object');
`;

beforeAll(async () => {
  for (const major of MAJORS) clusters.set(major, await startCluster(major));
  process.env.GITHUB_OUTPUT = join(await mkdtemp(join(tmpdir(), 'changes-out-')), 'output');
  delete process.env.GITHUB_STEP_SUMMARY;
}, 180_000);

afterAll(async () => {
  for (const cluster of clusters.values()) await cluster.stop();
});

/** The `changes` output this backup wrote to GITHUB_OUTPUT. */
async function changesOutput(): Promise<Changes> {
  const written = await readFile(process.env.GITHUB_OUTPUT ?? '', 'utf8');
  const value = /^changes<<(.+)\n([\s\S]*?)\n\1$/m.exec(written)?.[2];
  if (value === undefined) throw new Error(`no changes output in:\n${written}`);
  return JSON.parse(value) as Changes;
}

const cases = MAJORS.flatMap((major) => FORMATS.map((format) => ({ major, format })));

describe.each(cases)('changes on PostgreSQL $major, format $format', ({ major, format }) => {
  const database = `changes_${format}`;
  let cluster: PgCluster;
  let storage: string;
  const sql = (text: string) => cluster.psql(text, database);
  const backup = async (inputs: Record<string, string> = {}) => {
    await writeFile(process.env.GITHUB_OUTPUT ?? '', '');
    const report = await backupWith({
      'database-url': cluster.url(database),
      storage,
      format,
      ...inputs,
    });
    const changes = await changesOutput();
    expect(changes).toEqual(report.changes);
    return {
      report,
      changes,
      manifest: await readManifest(join(storage, `${report.manifest.id}.manifest.json`)),
    };
  };
  let last: BackupReport;

  beforeAll(async () => {
    cluster = clusters.get(major) as PgCluster;
    await cluster.createDatabase(database);
    await sql(SCHEMA);
    storage = await mkdtemp(join(tmpdir(), 'changes-store-'));
  }, 60_000);

  it('reports previous null for the first backup of the label, with a fingerprint', async () => {
    const { report, changes, manifest } = await backup();
    expect(changes).toEqual({
      previous: null,
      tablesAdded: [],
      tablesRemoved: [],
      rowsBefore: 0,
      rowsAfter: 1301,
      schemaChanged: null,
      tables: [],
    });
    expect(manifest.schema?.sha256).toMatch(/^[0-9a-f]{64}$/);
    // orders, sessions, "Audit Log" and their data, the index, view, mat. view and its data,
    // the function, the comment, sequences, constraints, the large object...: well over 15
    expect(manifest.schema?.objects).toBeGreaterThan(15);
    expect(backupSummaryRows(report)).toContainEqual([
      'Changes',
      'first backup of this label: nothing to compare with',
    ]);
    last = report;
  }, 60_000);

  it('gives the same fingerprint for an unchanged database', async () => {
    const { report, changes, manifest } = await backup();
    expect(changes).toEqual({
      previous: last.manifest.id,
      tablesAdded: [],
      tablesRemoved: [],
      rowsBefore: 1301,
      rowsAfter: 1301,
      schemaChanged: false,
      tables: [],
    });
    expect(manifest.schema).toEqual(last.manifest.schema);
    last = report;
  }, 60_000);

  it('reports inserted and deleted rows with the schema unchanged', async () => {
    await sql(`INSERT INTO orders (total) SELECT g FROM generate_series(1, 1204) g;
      DELETE FROM sessions WHERE id > 100; INSERT INTO sessions (token) VALUES ('x');
      SELECT lo_from_bytea(0, 'another large object');`);
    const { report, changes } = await backup();
    expect(changes).toEqual({
      previous: last.manifest.id,
      tablesAdded: [],
      tablesRemoved: [],
      rowsBefore: 1301,
      rowsAfter: 1301 + 1204 - 900 + 1,
      schemaChanged: false,
      tables: [
        { schema: 'public', name: 'orders', before: 300, after: 1504 },
        { schema: 'public', name: 'sessions', before: 1000, after: 101 },
      ],
    });
    expect(backupSummaryRows(report)).toContainEqual([
      'Changes',
      `orders +1 204, sessions −899, schema unchanged (since ${last.manifest.id})`,
    ]);
    last = report;
  }, 60_000);

  it('reports a changed column default as a schema change without row changes', async () => {
    await sql(`ALTER TABLE orders ALTER COLUMN status SET DEFAULT 'open';`);
    const { report, changes, manifest } = await backup();
    expect(changes).toMatchObject({
      schemaChanged: true,
      tablesAdded: [],
      tablesRemoved: [],
      tables: [],
    });
    expect(manifest.schema?.sha256).not.toBe(last.manifest.schema?.sha256);
    expect(manifest.schema?.objects).toBe(last.manifest.schema?.objects);
    last = report;
  }, 60_000);

  it('reports tables added and dropped', async () => {
    await sql(`CREATE SCHEMA billing; CREATE TABLE billing."Invoices 2026" (n int);
      INSERT INTO billing."Invoices 2026" SELECT generate_series(1, 42); DROP TABLE "Audit Log";`);
    const { report, changes } = await backup();
    expect(changes).toMatchObject({
      previous: last.manifest.id,
      tablesAdded: ['billing.Invoices 2026'],
      tablesRemoved: ['public.Audit Log'],
      schemaChanged: true,
      tables: [
        { schema: 'billing', name: 'Invoices 2026', before: 0, after: 42 },
        { schema: 'public', name: 'Audit Log', before: 1, after: 0 },
      ],
    });
    expect(backupSummaryRows(report)).toContainEqual([
      'Changes',
      `billing.Invoices 2026 +42, Audit Log −1, schema changed: 1 table added (billing.Invoices 2026), 1 table removed (public.Audit Log) (since ${last.manifest.id})`,
    ]);
    last = report;
  }, 60_000);

  it('has no fingerprint with verify none: schemaChanged null, then null again after it', async () => {
    const unverified = await backup({ verify: 'none' });
    expect(unverified.manifest.schema).toBeUndefined();
    expect(unverified.changes).toMatchObject({ previous: last.manifest.id, schemaChanged: null });
    const next = await backup();
    expect(next.changes).toMatchObject({
      previous: unverified.report.manifest.id,
      schemaChanged: null,
    });
    expect(next.manifest.schema?.sha256).toBe(last.manifest.schema?.sha256);
  }, 60_000);
});
