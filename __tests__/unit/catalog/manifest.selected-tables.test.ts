import { describe, expect, it } from '@jest/globals';
import type { Manifest } from '../../../src/catalog/manifest.js';
import type { TableRows } from '../../../src/pipeline/row-count.js';
import { buildSelectionArgs } from '../../../src/postgres/pg-restore.js';
import { selectedTables } from '../../../src/catalog/manifest.js';

const TABLES: TableRows[] = [
  { schema: 'public', name: 'orders', rows: 10 },
  { schema: 'public', name: 'items', rows: 20 },
  { schema: 'sales', name: 'orders', rows: 30 },
  { schema: 'sales', name: 'people', rows: 40 },
  { schema: 'hr', name: 'people', rows: 50 },
  { schema: 'hr', name: 'orders', rows: 60 },
  { schema: 'My Schema', name: 'Big Table', rows: 70 },
  { schema: 'a.b', name: 'c', rows: 80 },
];

const MANIFEST: Manifest = {
  manifestVersion: 1,
  id: 'shop-20261122T020000Z',
  label: 'shop',
  createdAt: '2026-11-22T02:00:00.123Z',
  finishedAt: '2026-11-22T02:00:09.000Z',
  tool: { name: 'postgres-backup-action', version: '0.1.0' },
  server: { version: '17.2', versionNum: 170002, database: 'shop' },
  client: { pgDumpVersion: '18.1' },
  dump: { format: 'custom', compression: 'zstd:3', jobs: 1, args: [] },
  encryption: { scheme: 'none' },
  object: { key: 'shop-20261122T020000Z.dump', size: 1234, sha256: 'ab'.repeat(32) },
  tables: TABLES,
  totalRows: 360,
  verification: { archive: 'passed' },
  labels: {},
};

const names = (tables: TableRows[]): string[] => tables.map((t) => `${t.schema}.${t.name}`);

describe('selectedTables', () => {
  it.each([
    ['all tables when nothing is selected', [], [], names(TABLES)],
    ['a schema', ['sales'], [], ['sales.orders', 'sales.people']],
    [
      'two schemas',
      ['hr', 'public'],
      [],
      ['public.orders', 'public.items', 'hr.people', 'hr.orders'],
    ],
    ['a schema with a space', ['My Schema'], [], ['My Schema.Big Table']],
    ['an absent schema', ['nope'], [], []],
    [
      'a plain table name in every schema',
      [],
      ['orders'],
      ['public.orders', 'sales.orders', 'hr.orders'],
    ],
    ['a qualified table', [], ['sales.orders'], ['sales.orders']],
    // Like pg_restore: a qualified name adds its schema, and names and schemas intersect.
    ['qualified and plain', [], ['hr.people', 'items'], ['hr.people']],
    ['a dotted schema', [], ['a.b.c'], ['a.b.c']],
    ['a name with spaces', [], ['My Schema.Big Table'], ['My Schema.Big Table']],
    ['an absent table', [], ['nope', 'x.orders'], []],
    ['the case as written', [], ['ORDERS', 'Public.orders'], []],
  ])('%s', (_why, schemas, tables, expected) => {
    expect(names(selectedTables(MANIFEST, { schemas, tables }))).toEqual(expected);
  });

  it('keeps the manifest order and the row counts', () => {
    const got = selectedTables(MANIFEST, {
      schemas: ['hr', 'sales'],
      tables: ['people', 'orders'],
    });
    expect(got).toEqual([TABLES[2], TABLES[3], TABLES[4], TABLES[5]]);
  });

  it('returns nothing for a manifest without tables', () => {
    const empty = { ...MANIFEST, tables: [] };
    expect(selectedTables(empty, { schemas: ['sales'], tables: ['orders'] })).toEqual([]);
    expect(selectedTables(empty, { schemas: [], tables: [] })).toEqual([]);
  });
});

/**
 * The TABLE DATA entries pg_restore restores for these args: it keeps an entry whose schema is
 * one of the --schema values (when any) and whose name is one of the --table values (when any);
 * it cannot match a schema-qualified -t.
 */
function restoredByPgRestore(args: string[]): TableRows[] {
  const values = (flag: string) =>
    args.filter((a) => a.startsWith(`--${flag}=`)).map((a) => a.slice(flag.length + 3));
  const schemas = values('schema');
  const tables = values('table');
  return TABLES.filter(
    (t) =>
      (schemas.length === 0 || schemas.includes(t.schema)) &&
      (tables.length === 0 || tables.includes(t.name)),
  );
}

describe('selectedTables and the pg_restore selection agree', () => {
  const agree = (schemas: string[], tables: string[]) => {
    const args = buildSelectionArgs({
      schemas,
      tables,
      schemaOnly: false,
      dataOnly: false,
      noOwner: true,
      noPrivileges: true,
      clean: false,
    });
    expect(names(selectedTables(MANIFEST, { schemas, tables }))).toEqual(
      names(restoredByPgRestore(args)),
    );
  };

  it.each([
    ['nothing', [], []],
    ['a schema', ['sales'], []],
    ['two schemas', ['sales', 'hr'], []],
    ['a plain table', [], ['orders']],
    ['plain tables', [], ['orders', 'items']],
    ['a qualified table', [], ['sales.orders']],
    ['qualified tables of one schema', [], ['sales.orders', 'sales.people']],
    ['a schema and a qualified table in it', ['sales'], ['sales.orders']],
  ])('%s', (_why, schemas, tables) => {
    agree(schemas, tables);
  });

  // Regression: pg_restore intersects --schema and --table, and buildSelectionArgs turns a qualified
  // table into a schema-wide --schema; selectedTables reads the same inputs differently. The
  // row comparison then reports tables pg_restore never restored as missing (restored -1) and
  // fails the restore, or pg_restore restores tables nobody selected.
  it.each([
    // public.orders and hr.orders counted, only sales.orders restored: a false mismatch
    ['a schema and a plain table', ['sales'], ['orders']],
    // public.items counted, but --schema=sales keeps pg_restore to sales: a false mismatch
    ['a qualified and a plain table', [], ['sales.orders', 'items']],
    // sales.people and hr.orders restored although not selected
    ['qualified tables of two schemas', [], ['sales.orders', 'hr.people']],
  ])('%s', (_why, schemas, tables) => {
    agree(schemas, tables);
  });
});
