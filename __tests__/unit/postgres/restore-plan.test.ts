import { describe, expect, it } from '@jest/globals';
import type { TocEntry } from '../../../src/postgres/archive-toc.js';
import { planRestore, type PlanRequest } from '../../../src/postgres/restore-plan.js';
import type { TargetFacts } from '../../../src/postgres/target-facts.js';
import { grantRoles, policyRoles } from '../../../src/postgres/toc-roles.js';
import { lockProblem } from '../../../src/postgres/lock-budget.js';

const e = (
  dumpId: number,
  desc: string,
  namespace: string,
  tag: string,
  deps: number[] = [],
  defn = '',
  owner = 'app',
): TocEntry => ({ dumpId, desc, namespace, tag, owner, defn, deps });

/** The TOC pg_dump 18 writes for a provider-like database (ids as in a real archive). */
const TOC: TocEntry[] = [
  e(1, 'ENCODING', '', 'ENCODING'),
  e(2, 'SCHEMA', '', 'extensions', [], 'CREATE SCHEMA extensions;', 'admin'),
  e(3, 'EXTENSION', '', 'postgis', [2], 'CREATE EXTENSION IF NOT EXISTS postgis;', ''),
  e(4, 'COMMENT', '', 'EXTENSION postgis', [3], 'COMMENT ON EXTENSION postgis IS …;', ''),
  e(5, 'EVENT TRIGGER', '', 'watch', [], 'CREATE EVENT TRIGGER watch …;', 'admin'),
  e(10, 'TABLE', 'public', 'customers', [], 'CREATE TABLE public.customers (…);'),
  e(11, 'TABLE', 'public', 'orders', [], 'CREATE TABLE public.orders (…);'),
  e(
    12,
    'SEQUENCE',
    'public',
    'orders_id_seq',
    [11],
    'ALTER TABLE public.orders ALTER COLUMN id ADD GENERATED …;',
  ),
  e(13, 'TABLE', 'public', 'parted', [], 'CREATE TABLE public.parted (…) PARTITION BY RANGE (a);'),
  e(14, 'TABLE', 'public', 'parted_1', [13], 'CREATE TABLE public.parted_1 (…);'),
  e(15, 'TABLE ATTACH', 'public', 'parted_1', [14, 13]),
  e(20, 'TABLE DATA', 'public', 'customers', [10]),
  e(21, 'TABLE DATA', 'public', 'orders', [11]),
  e(22, 'TABLE DATA', 'public', 'parted_1', [14]),
  e(23, 'TABLE DATA', 'extensions', 'spatial_ref_sys', [3]),
  e(24, 'SEQUENCE SET', 'public', 'orders_id_seq', [12]),
  e(25, 'BLOB METADATA', '', '16497', []),
  e(30, 'CONSTRAINT', 'public', 'orders orders_pkey', [11]),
  e(31, 'CONSTRAINT', 'public', 'customers customers_pkey', [10]),
  e(32, 'INDEX', 'public', 'orders_note_idx', [11]),
  e(33, 'TRIGGER', 'public', 'orders orders_touch', [11]),
  e(34, 'FK CONSTRAINT', 'public', 'orders orders_customer_id_fkey', [11, 10, 31]),
  e(35, 'FK CONSTRAINT', 'public', 'lines lines_order_fkey', [99, 11, 30]),
  e(36, 'ROW SECURITY', 'public', 'orders', [11]),
  e(
    37,
    'POLICY',
    'public',
    'orders orders_read',
    [11],
    'CREATE POLICY orders_read ON public.orders FOR SELECT TO authenticated, "Team A" USING (true);',
  ),
  e(
    38,
    'ACL',
    'public',
    'TABLE orders',
    [11],
    'GRANT SELECT ON TABLE public.orders TO authenticated;\n',
  ),
  e(39, 'ACL', 'public', 'TABLE customers', [10], 'GRANT ALL ON TABLE public.customers TO anon;\n'),
  e(
    40,
    'ACL',
    '',
    'SCHEMA extensions',
    [2],
    'GRANT USAGE ON SCHEMA extensions TO anon;\n',
    'admin',
  ),
  e(
    41,
    'DEFAULT ACL',
    'public',
    'DEFAULT PRIVILEGES FOR TABLES',
    [],
    'ALTER DEFAULT PRIVILEGES FOR ROLE admin IN SCHEMA public GRANT ALL ON TABLES TO anon;\n',
    'admin',
  ),
];

const facts = (over: Partial<TargetFacts> = {}): TargetFacts => {
  const member = new Set(['app', 'anon', 'authenticated']);
  return {
    user: 'app',
    superuser: false,
    serverVersion: '15.18',
    canCreate: true,
    canCreateDatabase: false,
    roles: new Set(['app', 'admin', 'anon', 'authenticated', 'Team A']),
    actsAs: (r) => member.has(r),
    extensions: new Set(),
    available: new Map([['postgis', { trusted: false }]]),
    schemas: new Map([['public', { mine: true, create: true }]]),
    publications: new Set(),
    defaultPrivileges: false,
    routines: new Set(),
    eventTriggers: new Set(),
    extensionTables: new Map(),
    locks: { maxLocksPerTransaction: 64, backends: 122 },
    ...over,
  };
};
const ALL: PlanRequest = {
  schemas: [],
  tables: [],
  schemaOnly: false,
  dataOnly: false,
  noOwner: 'auto',
  noPrivileges: 'auto',
  clean: false,
};
const tagsOf = (ids: number[]) =>
  ids.map((id) => TOC.find((x) => x.dumpId === id)).map((x) => `${x?.desc} ${x?.tag}`);

describe('planRestore: tables restore whole', () => {
  it('brings a table with its data, identity, keys, index, trigger, RLS, policies and grants', () => {
    const plan = planRestore(
      TOC,
      { ...ALL, tables: ['public.orders'] },
      facts({ superuser: true }),
    );
    expect(tagsOf(plan.entries)).toEqual([
      'ENCODING ENCODING',
      'TABLE orders',
      'SEQUENCE orders_id_seq',
      'TABLE DATA orders',
      'SEQUENCE SET orders_id_seq',
      'CONSTRAINT orders orders_pkey',
      'INDEX orders_note_idx',
      'TRIGGER orders orders_touch',
      'FK CONSTRAINT orders orders_customer_id_fkey',
      'ROW SECURITY orders',
      'POLICY orders orders_read',
      'ACL TABLE orders',
    ]);
    expect(plan.tables).toEqual([{ schema: 'public', name: 'orders' }]);
  });

  it('brings a partitioned table with its partitions, and says what it leaves out', () => {
    const plan = planRestore(TOC, { ...ALL, tables: ['parted'] }, facts({ superuser: true }));
    expect(tagsOf(plan.entries)).toEqual(
      expect.arrayContaining([
        'TABLE parted',
        'TABLE parted_1',
        'TABLE ATTACH parted_1',
        'TABLE DATA parted_1',
      ]),
    );
    expect(plan.leftOut).toEqual([
      'large objects',
      'extension configuration data (extensions.spatial_ref_sys)',
    ]);
  });

  it('leaves a foreign key of another table that points at the chosen one to that table', () => {
    const plan = planRestore(TOC, { ...ALL, tables: ['orders'] }, facts({ superuser: true }));
    expect(plan.entries).not.toContain(35);
  });
});

describe('planRestore: as the provider gives the user', () => {
  const target = facts({
    extensions: new Set(['postgis']),
    schemas: new Map([
      ['public', { mine: true, create: true }],
      ['extensions', { mine: false, create: false }],
    ]),
  });

  it('uses what the provider already has, and leaves out what this user cannot own', () => {
    const plan = planRestore(TOC, ALL, target);
    expect(plan.skipped.map((s) => s.entry)).toEqual([
      'SCHEMA extensions',
      'EXTENSION postgis',
      'COMMENT EXTENSION postgis',
      'EVENT TRIGGER watch',
      'ACL SCHEMA extensions',
      'DEFAULT ACL public.DEFAULT PRIVILEGES FOR TABLES',
    ]);
    expect(plan.problems).toEqual([]);
  });

  it("uses the provider's functions and event triggers as they are, or leaves out what it may not create", () => {
    const fn = e(
      60,
      'FUNCTION',
      'extensions',
      'grant_access()',
      [2],
      'CREATE FUNCTION …;',
      'admin',
    );
    const withFn = [...TOC, fn];
    const skipped = (f: TargetFacts, clean = false) =>
      planRestore(withFn, { ...ALL, clean }, f).skipped.find(
        (x) => x.entry === 'FUNCTION extensions.grant_access()',
      )?.reason;
    expect(skipped(target)).toBe('this user may not create objects in schema extensions');
    const present = facts({ ...target, routines: new Set(['extensions\u0000grant_access']) });
    expect(skipped(present)).toBe('already exists on the target (used as it is)');
    const superuser = facts({
      ...present,
      superuser: true,
      actsAs: () => true,
      eventTriggers: new Set(['watch']),
    });
    expect(skipped(superuser)).toBe('already exists on the target (used as it is)');
    expect(skipped(superuser, true)).toBeUndefined();
    expect(planRestore(withFn, ALL, superuser).skipped.map((x) => x.entry)).toContain(
      'EVENT TRIGGER watch',
    );
  });

  it("replaces an extension's configuration rows on overwrite, with the extension's own filter", () => {
    const f = facts({
      ...target,
      extensionTables: new Map([['extensions\u0000spatial_ref_sys', 'WHERE srid > 900000']]),
    });
    const rows = new Map([['extensions\u0000spatial_ref_sys', 2]]);
    expect(planRestore(TOC, ALL, f, rows).extensionData).toEqual([]);
    expect(planRestore(TOC, { ...ALL, clean: true }, f, rows).extensionData).toEqual([
      { schema: 'extensions', name: 'spatial_ref_sys', filter: 'WHERE srid > 900000' },
    ]);
  });

  it('needs no schema that an extension the restore creates brings (pg_cron brings cron)', () => {
    const cron = [
      e(
        70,
        'EXTENSION',
        '',
        'pg_cron',
        [],
        'CREATE EXTENSION IF NOT EXISTS pg_cron WITH SCHEMA pg_catalog;',
        '',
      ),
      e(71, 'TABLE DATA', 'cron', 'job', [70]),
    ];
    const f = facts({ superuser: true, available: new Map([['pg_cron', { trusted: false }]]) });
    expect(planRestore(cron, ALL, f).problems).toEqual([]);
  });

  it('drops the empty copy of an extension table and keeps one with rows', () => {
    const key = 'extensions\u0000spatial_ref_sys';
    expect(planRestore(TOC, ALL, target, new Map([[key, 0]])).entries).not.toContain(23);
    expect(planRestore(TOC, ALL, target, new Map([[key, 2]])).entries).toContain(23);
  });

  it('keeps owners only when every owner role exists and the user may act as it', () => {
    expect(planRestore(TOC, ALL, facts({ superuser: true, actsAs: () => true })).noOwner).toBe(
      false,
    );
    expect(planRestore(TOC, ALL, target).noOwner).toBe(false);
    const adminFunction = e(50, 'FUNCTION', 'public', 'f()', [], 'CREATE FUNCTION …;', 'admin');
    const plan = planRestore([...TOC, adminFunction], ALL, target);
    expect(plan.noOwner).toBe(true);
    expect(plan.ownership).toMatch(/not a member of: admin/);
  });

  it('keeps privileges only when every role they name exists, naming the missing ones', () => {
    expect(planRestore(TOC, ALL, target).noPrivileges).toBe(false);
    const plan = planRestore(
      TOC,
      ALL,
      facts({ roles: new Set(['app', 'Team A', 'authenticated']) }),
    );
    expect(plan.noPrivileges).toBe(true);
    expect(plan.ownership).toMatch(/privileges left out \(roles missing on the target: anon\)/);
  });

  it('names every missing item at once: extensions, policy roles, the database', () => {
    const plan = planRestore(
      TOC,
      ALL,
      facts({ available: new Map(), roles: new Set(['app', 'anon']) }),
    );
    expect(plan.problems).toEqual([
      'extensions not available on PostgreSQL 15.18: postgis (install their packages on the server, or ask the provider to enable them there)',
      'roles that row-level security policies name and the target does not have: authenticated, Team A (create them first, or restore-globals: true)',
    ]);
  });

  it('refuses an untrusted extension the user would have to create', () => {
    const plan = planRestore(TOC, ALL, facts());
    expect(plan.problems[0]).toMatch(/^extensions this user may not create: postgis/);
  });

  it('obeys a forced no-owner / no-privileges', () => {
    const plan = planRestore(TOC, { ...ALL, noOwner: false, noPrivileges: true }, target);
    expect([plan.noOwner, plan.noPrivileges]).toEqual([false, true]);
  });
});

describe('roles named in grants and policies', () => {
  it('reads grantees, FOR ROLE and quoted names, without PUBLIC', () => {
    expect(
      grantRoles(
        e(
          1,
          'ACL',
          'public',
          'TABLE t',
          [],
          'REVOKE ALL ON TABLE public.t FROM PUBLIC;\nGRANT SELECT ON TABLE public.t TO anon, "Team ""A""";\n',
        ),
      ),
    ).toEqual(['anon', 'Team "A"']);
    expect(
      grantRoles(
        e(
          1,
          'DEFAULT ACL',
          'public',
          'x',
          [],
          'ALTER DEFAULT PRIVILEGES FOR ROLE admin IN SCHEMA public GRANT ALL ON TABLES TO service_role;\n',
        ),
      ),
    ).toEqual(['service_role', 'admin']);
  });

  it('reads the roles of a policy', () => {
    expect(policyRoles(TOC.find((x) => x.dumpId === 37) as TocEntry)).toEqual([
      'authenticated',
      'Team A',
    ]);
  });
});

describe('the lock budget of one transaction', () => {
  const table = (i: number, columns: string) =>
    e(1000 + i, 'TABLE', 'public', `t${i}`, [], `CREATE TABLE public.t${i} (\n${columns}\n);\n`);
  const pkey = (i: number) =>
    e(
      5000 + i,
      'CONSTRAINT',
      'public',
      `t${i} t${i}_pkey`,
      [1000 + i],
      `ALTER TABLE ONLY public.t${i}\n    ADD CONSTRAINT t${i}_pkey PRIMARY KEY (id);\n`,
    );
  const many = (n: number, columns: string) =>
    Array.from({ length: n }, (_, i) => [table(i, columns), pkey(i)]).flat();

  it('counts a TOAST table and index only for tables with variable-length columns', () => {
    const su = facts({ superuser: true });
    expect(
      planRestore(many(1000, '    id integer NOT NULL,\n    at timestamp with time zone'), ALL, su)
        .locks,
    ).toBe(2000);
    expect(planRestore(many(1000, '    id integer NOT NULL,\n    note text'), ALL, su).locks).toBe(
      4000,
    );
  });

  it('counts the drops of overwrite too, and nothing for a parallel restore', () => {
    const tables = many(1000, '    id integer NOT NULL,\n    note text');
    const su = facts({ superuser: true });
    expect(planRestore(tables, { ...ALL, clean: true }, su).locks).toBe(8000);
    expect(planRestore(tables, { ...ALL, parallel: true }, su).locks).toBe(0);
  });

  it('names max_locks_per_transaction and the value to set', () => {
    expect(lockProblem(16000, { maxLocksPerTransaction: 64, backends: 122 })).toMatch(
      /about 16000 relation locks.*\(max_locks_per_transaction 64 × 122 backends = 7808 slots\): set max_locks_per_transaction to at least 176 /,
    );
  });
});
