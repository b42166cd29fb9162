import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { backupWith, restoreWith } from '../helpers/command-run.js';
import { startCluster, type PgCluster } from '../../scripts/lib/pg-cluster.js';

/**
 * The restore plan on a provider-shaped database (PostgreSQL 15): extensions owned by a superuser
 * in schema `extensions`, an application owner that is not a superuser, roles like anon and
 * authenticated, row-level security, and default privileges that grant anon everything.
 */
const APP_PASSWORD = 'app-secret';
let pg15: PgCluster;
let pg18: PgCluster;
let store: string;
let postgisStore: string;

const SOURCE = `
CREATE SCHEMA extensions;
CREATE EXTENSION pg_trgm SCHEMA extensions;
CREATE EXTENSION citext SCHEMA extensions;
CREATE EXTENSION postgis SCHEMA extensions;
COMMENT ON EXTENSION pg_trgm IS 'trigram matching';
CREATE FUNCTION public.noop_ddl() RETURNS event_trigger LANGUAGE plpgsql AS $$ BEGIN END $$;
CREATE EVENT TRIGGER provider_watch ON ddl_command_end EXECUTE FUNCTION public.noop_ddl();
`;
const APP_SCHEMA = `
SET ROLE app;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT ALL ON TABLES TO anon, authenticated;
CREATE TABLE customers (id int PRIMARY KEY, email extensions.citext NOT NULL);
INSERT INTO customers SELECT g, 'c' || g || '@example.com' FROM generate_series(1, 50) g;
CREATE TABLE orders (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  customer_id int NOT NULL REFERENCES customers(id),
  note text,
  place extensions.geometry(Point, 4326),
  total numeric GENERATED ALWAYS AS (id * 2) STORED
);
CREATE INDEX orders_note_trgm ON orders USING gin (note extensions.gin_trgm_ops);
CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
CREATE TRIGGER orders_touch BEFORE UPDATE ON orders FOR EACH ROW EXECUTE FUNCTION touch();
INSERT INTO orders (customer_id, note, place)
  SELECT 1 + g % 50, 'order ' || g, extensions.ST_SetSRID(extensions.ST_MakePoint(g % 90, g % 45), 4326)
  FROM generate_series(1, 1000) g;
ALTER TABLE orders ENABLE ROW LEVEL SECURITY;
CREATE POLICY orders_read ON orders FOR SELECT TO authenticated USING (true);
CREATE POLICY orders_none ON orders FOR ALL TO anon USING (false);
REVOKE ALL ON orders FROM anon;
REVOKE ALL ON orders FROM authenticated;
GRANT SELECT ON orders TO authenticated;
RESET ROLE;
`;

const privileges = (c: PgCluster, db: string) =>
  c.psql(
    `SELECT string_agg(r || ':' || p || '=' || has_table_privilege(r, 'public.orders', p), ',' ORDER BY r, p)
     FROM unnest(ARRAY['anon','authenticated']) r, unnest(ARRAY['SELECT','INSERT','UPDATE','DELETE']) p`,
    db,
  );
const shape = (c: PgCluster, db: string) =>
  c.psql(
    `SELECT (SELECT count(*) FROM pg_index WHERE indrelid = 'public.orders'::regclass) || ' indexes, '
     || (SELECT count(*) FROM pg_constraint WHERE conrelid = 'public.orders'::regclass) || ' constraints, '
     || (SELECT count(*) FROM pg_trigger WHERE tgrelid = 'public.orders'::regclass AND NOT tgisinternal) || ' triggers, '
     || (SELECT count(*) FROM pg_policy WHERE polrelid = 'public.orders'::regclass) || ' policies, rls '
     || (SELECT relrowsecurity FROM pg_class WHERE oid = 'public.orders'::regclass) || ', identity '
     || (SELECT attidentity::text FROM pg_attribute WHERE attrelid = 'public.orders'::regclass AND attname = 'id')
     || ', rows ' || (SELECT count(*) FROM public.orders)`,
    db,
  );
const appUrl = (c: PgCluster, db: string) => c.url(db, { user: 'app', password: APP_PASSWORD });

/** A server with the provider's roles; `db` owned by app, with the extensions already enabled. */
async function provider(c: PgCluster, db: string, extensions: string[]): Promise<void> {
  await c.psql(`DO $$ BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'app') THEN
      CREATE ROLE anon NOLOGIN; CREATE ROLE authenticated NOLOGIN;
      CREATE ROLE app LOGIN PASSWORD '${APP_PASSWORD}' NOSUPERUSER NOCREATEDB NOCREATEROLE BYPASSRLS;
      GRANT anon, authenticated TO app;
    END IF; END $$`);
  await c.psql(`CREATE DATABASE ${db} OWNER app`);
  if (!extensions.length) return;
  await c.psql(
    `CREATE SCHEMA extensions; GRANT USAGE ON SCHEMA extensions TO app, anon, authenticated;
     ${extensions.map((e) => `CREATE EXTENSION ${e} SCHEMA extensions;`).join('\n')}`,
    db,
  );
}

beforeAll(async () => {
  [pg15, pg18] = await Promise.all([startCluster(15), startCluster(18)]);
  await provider(pg15, 'appdb', []);
  await pg15.psql(
    `${SOURCE}GRANT USAGE ON SCHEMA extensions TO app, anon, authenticated;`,
    'appdb',
  );
  await pg15.psql(APP_SCHEMA, 'appdb');
  store = await mkdtemp(join(tmpdir(), 'plan-store-'));
  await backupWith({ 'database-url': appUrl(pg15, 'appdb'), storage: store });
  // A custom SRID: the one row of spatial_ref_sys that pg_dump's extension filter keeps.
  await pg15.psql(
    `INSERT INTO extensions.spatial_ref_sys (srid, auth_name, auth_srid, proj4text)
     VALUES (990001, 'test', 990001, '+proj=longlat +datum=WGS84 +no_defs')`,
    'appdb',
  );
  postgisStore = await mkdtemp(join(tmpdir(), 'plan-postgis-'));
  await backupWith({ 'database-url': pg15.url('appdb'), storage: postgisStore });
}, 300_000);

afterAll(async () => {
  await Promise.all([pg15?.stop(), pg18?.stop()]);
});

describe('restore plan on a provider-shaped database', () => {
  it('restores the PostGIS database as the superuser with no false row mismatch', async () => {
    const report = await restoreWith({
      'target-database-url': pg15.url('superuser_copy'),
      storage: postgisStore,
    });
    expect(report.comparison.mismatches).toEqual([]);
    // 8,500 rows came from CREATE EXTENSION postgis; the archive brought (and is compared on) one.
    expect(report.comparison.rows).toContainEqual({
      table: 'extensions.spatial_ref_sys',
      expected: 1,
      restored: 1,
    });
    expect(await shape(pg15, 'superuser_copy')).toBe(await shape(pg15, 'appdb'));
    expect(await privileges(pg15, 'superuser_copy')).toBe(await privileges(pg15, 'appdb'));
  });

  it('restores as the non-superuser into a "new project" whose provider enabled the extensions', async () => {
    await provider(pg15, 'newproject', ['pg_trgm', 'citext', 'postgis']);
    await pg15.psql(
      `ALTER DEFAULT PRIVILEGES FOR ROLE app IN SCHEMA public GRANT ALL ON TABLES TO anon, authenticated`,
      'newproject',
    );
    const report = await restoreWith({
      'target-database-url': appUrl(pg15, 'newproject'),
      storage: store,
    });
    expect(report.comparison.mismatches).toEqual([]);
    expect(await shape(pg15, 'newproject')).toBe(await shape(pg15, 'appdb'));
    // The provider's default privileges would give anon everything: the archive's grants win.
    expect(await privileges(pg15, 'newproject')).toBe(await privileges(pg15, 'appdb'));
  });

  it('replaces one table whole with tables: and overwrite, and anon gains nothing', async () => {
    await pg15.psql(`CREATE DATABASE onecopy TEMPLATE appdb OWNER app`);
    await pg15.psql(`DELETE FROM public.orders WHERE id > 10`, 'onecopy');
    const report = await restoreWith({
      'target-database-url': appUrl(pg15, 'onecopy'),
      storage: store,
      tables: 'public.orders',
      overwrite: 'true',
      confirm: 'onecopy',
    });
    expect(report.comparison.rows.map((r) => r.table)).toEqual(['public.orders']);
    expect(report.comparison.mismatches).toEqual([]);
    expect(await shape(pg15, 'onecopy')).toBe(await shape(pg15, 'appdb'));
    expect(await privileges(pg15, 'onecopy')).toBe(await privileges(pg15, 'appdb'));
  });

  it('names every missing extension before touching a server that lacks them', async () => {
    await pg18.psql(`CREATE ROLE anon NOLOGIN; CREATE ROLE authenticated NOLOGIN`);
    await expect(
      restoreWith({ 'target-database-url': pg18.url('branch'), storage: store }),
    ).rejects.toThrow(
      /nothing was changed.*extensions not available on PostgreSQL 18[^:]*: postgis/,
    );
    expect(
      (await pg18.psql(`SELECT count(*) FROM pg_database WHERE datname = 'branch'`)).trim(),
    ).toBe('0');
  });

  it('counts no extension member table as a user table of the target', async () => {
    await provider(pg15, 'preenabled', ['postgis']);
    const report = await restoreWith({
      'target-database-url': appUrl(pg15, 'preenabled'),
      storage: store,
    });
    expect(report.comparison.mismatches).toEqual([]);
  });

  it('says what to do when row-level security hides rows from the backup user', async () => {
    await pg15.psql(
      `CREATE ROLE reader LOGIN PASSWORD 'reader-pw' NOBYPASSRLS;
       GRANT CONNECT ON DATABASE appdb TO reader`,
    );
    await pg15.psql(
      `GRANT USAGE ON SCHEMA extensions TO reader; GRANT SELECT ON ALL TABLES IN SCHEMA public TO reader;
       GRANT SELECT ON ALL SEQUENCES IN SCHEMA public TO reader;
       GRANT SELECT ON ALL TABLES IN SCHEMA extensions TO reader`,
      'appdb',
    );
    const url = pg15.url('appdb', { user: 'reader', password: 'reader-pw' });
    const dir = await mkdtemp(join(tmpdir(), 'plan-rls-'));
    await expect(backupWith({ 'database-url': url, storage: dir })).rejects.toThrow(
      /row-level security policy for table "orders".*give it BYPASSRLS/,
    );
    // With --enable-row-security the backup succeeds with the rows the user sees, and says so.
    const lines: string[] = [];
    const spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
      lines.push(String(chunk));
      return true;
    });
    try {
      await backupWith({
        'database-url': url,
        storage: dir,
        'extra-args': '--enable-row-security',
      });
    } finally {
      spy.mockRestore();
    }
    expect(lines.join('')).toMatch(
      /::warning::Row-level security may hide rows from this backup: public\.orders \(the user is not their owner, a superuser or BYPASSRLS/,
    );
  });
});

describe('names as the archive has them', () => {
  it('counts a table whose name holds a newline under its own name, and restores it', async () => {
    await pg15.psql(`CREATE DATABASE oddnames;`);
    await pg15.psql(
      `CREATE TABLE public."new
line" (x int, "col
umn" text); INSERT INTO public."new
line" SELECT g, 'v' FROM generate_series(1, 3) g; CREATE TABLE public.new (x int)`,
      'oddnames',
    );
    const dir = await mkdtemp(join(tmpdir(), 'plan-names-'));
    const { manifest } = await backupWith({ 'database-url': pg15.url('oddnames'), storage: dir });
    expect(manifest.tables).toEqual([
      { schema: 'public', name: 'new', rows: 0 },
      { schema: 'public', name: 'new\nline', rows: 3 },
    ]);
    const report = await restoreWith({
      'target-database-url': pg15.url('oddnames_copy'),
      storage: dir,
    });
    expect(report.comparison.mismatches).toEqual([]);
    // The SQL path (overwrite) reads the COPY statement across its line break too.
    await pg15.psql(
      `INSERT INTO public."new
line" VALUES (99, 'a\\b')`,
      'oddnames_copy',
    );
    const again = await restoreWith({
      'target-database-url': pg15.url('oddnames_copy'),
      storage: dir,
      overwrite: 'true',
      confirm: 'oddnames_copy',
    });
    expect(again.comparison.mismatches).toEqual([]);
  });
});

describe('tables: naming a partitioned table', () => {
  it('restores its partitions and their rows with it, not an empty shell', async () => {
    await pg15.psql('CREATE DATABASE parts');
    await pg15.psql(
      `CREATE TABLE events (id int, at date NOT NULL, PRIMARY KEY (id, at)) PARTITION BY RANGE (at);
       CREATE TABLE events_2025 PARTITION OF events FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
       CREATE TABLE events_2026 PARTITION OF events FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');
       INSERT INTO events SELECT g, DATE '2025-06-01' + g FROM generate_series(1, 400) g;
       CREATE TABLE other (x int)`,
      'parts',
    );
    const dir = await mkdtemp(join(tmpdir(), 'plan-parts-'));
    await backupWith({ 'database-url': pg15.url('parts'), storage: dir });
    const report = await restoreWith({
      'target-database-url': pg15.url('parts_copy'),
      storage: dir,
      tables: 'public.events',
    });
    expect(report.comparison.rows.map((r) => [r.table, r.restored])).toEqual([
      ['public.events_2025', 213],
      ['public.events_2026', 187],
    ]);
    expect(report.comparison.mismatches).toEqual([]);
    const tables = await pg15.psql(
      `SELECT string_agg(relname, ',' ORDER BY relname) FROM pg_class WHERE relkind IN ('r', 'p') AND relnamespace = 'public'::regnamespace`,
      'parts_copy',
    );
    expect(tables.trim()).toBe('events,events_2025,events_2026');
  });
});
