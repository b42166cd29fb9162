// overwrite drops the archive's objects with CASCADE inside the restore's one transaction, and the
// guard fails that transaction when the cascade took anything the backup does not bring back.
// The schema has the shapes that broke `pg_restore --clean` on PostgreSQL's regression database:
// partitioned tables whose partition indexes and constraints cannot be dropped alone, foreign keys
// between partitioned tables, a domain constraint, large objects.
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { backupWith, restoreWith } from '../helpers/command-run.js';
import { schemaDump, tableRowCounts } from '../helpers/db-compare.js';
import { startCluster, type PgCluster } from '../../scripts/lib/pg-cluster.js';

const SCHEMA = `
CREATE SCHEMA shop;
CREATE DOMAIN shop.qty AS int CONSTRAINT qty_positive CHECK (VALUE > 0);
CREATE TABLE shop.orders (id int, region text, amount shop.qty, PRIMARY KEY (id, region))
  PARTITION BY LIST (region);
CREATE TABLE shop.orders_eu PARTITION OF shop.orders FOR VALUES IN ('eu');
CREATE TABLE shop.orders_us PARTITION OF shop.orders FOR VALUES IN ('us')
  PARTITION BY RANGE (id);
CREATE TABLE shop.orders_us_1 PARTITION OF shop.orders_us FOR VALUES FROM (0) TO (1000000);
CREATE INDEX orders_amount_idx ON shop.orders (amount);
ALTER TABLE shop.orders ADD CONSTRAINT orders_amount_check CHECK (amount < 1000);
CREATE TABLE shop.lines (order_id int, region text, n int,
  FOREIGN KEY (order_id, region) REFERENCES shop.orders) PARTITION BY LIST (region);
CREATE TABLE shop.lines_eu PARTITION OF shop.lines FOR VALUES IN ('eu');
CREATE TABLE shop.lines_us PARTITION OF shop.lines FOR VALUES IN ('us');
CREATE VIEW shop.totals AS SELECT region, sum(amount) AS total FROM shop.orders GROUP BY region;
CREATE FUNCTION shop.touch() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN RETURN NEW; END$$;
CREATE TRIGGER lines_touch BEFORE INSERT ON shop.lines FOR EACH ROW EXECUTE FUNCTION shop.touch();
INSERT INTO shop.orders SELECT g, CASE WHEN g % 2 = 0 THEN 'eu' ELSE 'us' END, g % 900 + 1
  FROM generate_series(1, 5000) g;
INSERT INTO shop.lines SELECT g, CASE WHEN g % 2 = 0 THEN 'eu' ELSE 'us' END, 1
  FROM generate_series(1, 5000) g;
SELECT lo_from_bytea(424242, 'blob');
`;

let cluster: PgCluster;
let dir: string;

beforeAll(async () => {
  cluster = await startCluster(18);
  await cluster.createDatabase('shop');
  await cluster.psql(SCHEMA, 'shop');
  dir = await mkdtemp(join(tmpdir(), 'overwrite-'));
  await backupWith({ 'database-url': cluster.url('shop'), storage: dir });
}, 180_000);

afterAll(async () => {
  await cluster?.stop();
});

/** A full copy of the source (CREATE DATABASE … TEMPLATE), then `change` applied to it. */
async function copyOfSource(name: string, change = ''): Promise<void> {
  await cluster.psql(`CREATE DATABASE ${name} TEMPLATE shop`);
  if (change) await cluster.psql(change, name);
}

const overwrite = (db: string) =>
  restoreWith({
    'target-database-url': cluster.url(db),
    storage: dir,
    overwrite: 'true',
    confirm: db,
    'no-owner': 'false',
    'no-privileges': 'false',
  });

describe('overwrite', () => {
  it('restores over a full copy of partitioned tables whose indexes and constraints cannot be dropped alone', async () => {
    await copyOfSource('fullcopy');
    const report = await overwrite('fullcopy');
    expect(report.comparison.mismatches).toEqual([]);
    expect(await schemaDump(cluster, 'fullcopy')).toBe(await schemaDump(cluster, 'shop'));
    expect(await tableRowCounts(cluster, 'fullcopy')).toEqual(
      await tableRowCounts(cluster, 'shop'),
    );
    expect(
      (await cluster.psql('SELECT count(*) FROM pg_largeobject_metadata', 'fullcopy')).trim(),
    ).toBe('1');
  });

  it('undoes a bad migration on the archive tables and keeps a table the backup does not have', async () => {
    await copyOfSource(
      'migrated',
      `ALTER TABLE shop.orders ADD COLUMN note text;
       CREATE INDEX orders_note_idx ON shop.orders (note);
       CREATE TABLE shop.orders_apac PARTITION OF shop.orders FOR VALUES IN ('apac');
       CREATE TRIGGER orders_touch BEFORE INSERT ON shop.orders_eu FOR EACH ROW EXECUTE FUNCTION shop.touch();
       DELETE FROM shop.lines WHERE n = 1 AND order_id < 100;
       ALTER DOMAIN shop.qty DROP CONSTRAINT qty_positive;
       DO $$BEGIN PERFORM 1; EXCEPTION WHEN others THEN NULL; END$$;
       CREATE TABLE public.audit_log (at timestamptz DEFAULT now());
       INSERT INTO public.audit_log DEFAULT VALUES;`,
    );
    await overwrite('migrated');
    const counts = await tableRowCounts(cluster, 'migrated');
    expect(counts['public.audit_log']).toBe(1);
    delete counts['public.audit_log'];
    expect(counts).toEqual(await tableRowCounts(cluster, 'shop'));
    // Without the table of its own, the database is the backup again.
    await cluster.psql('DROP TABLE public.audit_log', 'migrated');
    expect(await schemaDump(cluster, 'migrated')).toBe(await schemaDump(cluster, 'shop'));
  });

  it.each([
    [
      'a view of an archive table',
      'CREATE VIEW public.report AS SELECT id FROM shop.orders_eu;',
      'view public.report',
    ],
    [
      'a foreign key from a table the backup does not have',
      'CREATE TABLE public.refund (id int, region text, FOREIGN KEY (id, region) REFERENCES shop.orders);',
      'table constraint refund_id_region_fkey on public.refund',
    ],
    [
      'a table the backup does not have, with a column of an archive domain',
      'CREATE TABLE public.stock (q shop.qty);',
      'table column public.stock.q',
    ],
  ])('refuses when the cascade would take %s, and changes nothing', async (_what, sql, named) => {
    const db = `guard_${Math.random().toString(36).slice(2, 8)}`;
    await copyOfSource(db, `${sql} DELETE FROM shop.lines WHERE order_id < 10;`);
    const before = {
      schema: await schemaDump(cluster, db),
      rows: await tableRowCounts(cluster, db),
    };
    const error = await overwrite(db).then(
      () => undefined,
      (e: Error) => e,
    );
    expect(error?.message).toContain(`overwrite would also drop`);
    expect(error?.message).toContain(named);
    expect(error?.message).toContain('the transaction was rolled back');
    expect(await schemaDump(cluster, db)).toBe(before.schema);
    expect(await tableRowCounts(cluster, db)).toEqual(before.rows);
  });
});
