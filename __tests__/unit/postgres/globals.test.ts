// The globals script read statement by statement, what a restore decides for every role, the
// globals object's name in the key grammar, and the manifest's globals check.
import { describe, expect, it } from '@jest/globals';
import { parseManifest } from '../../../src/catalog/manifest.js';
import { belongsTo, globalsObjectName, isGlobalsOf } from '../../../src/catalog/naming.js';
import { plainCompression } from '../../../src/phases/dump-globals.js';
import {
  planRoles,
  reservedReason,
  roleStatements,
  type TargetRoles,
} from '../../../src/postgres/globals.js';
import { classify, parseGlobals, splitStatements } from '../../../src/postgres/globals-sql.js';
import { pgDumpallArgs } from '../../../src/postgres/pg-dumpall.js';
import { manufacture } from '../../helpers/manufactured-backups.js';

// As pg_dumpall 18 --globals-only writes it (abridged), with a tricky comment and a tablespace.
const SCRIPT = `--
-- PostgreSQL database cluster dump
--

\\restrict AbCdEf123

SET default_transaction_read_only = off;

SET client_encoding = 'UTF8';
SET standard_conforming_strings = on;

--
-- Roles
--

CREATE ROLE app_owner;
ALTER ROLE app_owner WITH NOSUPERUSER INHERIT NOCREATEROLE NOCREATEDB LOGIN NOREPLICATION NOBYPASSRLS PASSWORD 'SCRAM-SHA-256$4096:c2FsdA==$a;b:c';
CREATE ROLE "Sales Team";
ALTER ROLE "Sales Team" WITH NOSUPERUSER INHERIT NOCREATEROLE NOCREATEDB NOLOGIN NOREPLICATION NOBYPASSRLS;
CREATE ROLE app_user;
ALTER ROLE app_user WITH NOSUPERUSER NOINHERIT NOCREATEROLE CREATEDB LOGIN NOREPLICATION NOBYPASSRLS CONNECTION LIMIT 5 VALID UNTIL 'infinity';
CREATE ROLE postgres;
ALTER ROLE postgres WITH SUPERUSER INHERIT CREATEROLE CREATEDB LOGIN REPLICATION BYPASSRLS;
CREATE ROLE rds_superuser;
ALTER ROLE rds_superuser WITH NOSUPERUSER INHERIT NOCREATEROLE NOCREATEDB NOLOGIN NOREPLICATION NOBYPASSRLS;
COMMENT ON ROLE "Sales Team" IS 'sales; "EU"
and more';

--
-- User Configurations
--

ALTER ROLE app_user SET search_path TO 'app', 'public';

--
-- Role memberships
--

GRANT "Sales Team" TO app_user WITH ADMIN OPTION, INHERIT TRUE GRANTED BY postgres;
GRANT pg_read_all_data TO app_user WITH INHERIT TRUE GRANTED BY postgres;
GRANT "Sales Team" TO postgres WITH INHERIT TRUE GRANTED BY postgres;

--
-- Tablespaces
--

CREATE TABLESPACE fast OWNER app_owner LOCATION '/srv/fast';
GRANT CREATE ON TABLESPACE fast TO app_user;

\\unrestrict AbCdEf123

--
-- PostgreSQL database cluster dump complete
--
`;

const TARGET: TargetRoles = {
  currentUser: 'postgres',
  bootstrap: 'postgres',
  // An RDS-like server (its marker role exists): rds_superuser there is RDS's own.
  roles: new Set(['postgres', 'pg_read_all_data', 'app_owner', 'rdsadmin']),
  tablespaces: new Set(['pg_default', 'pg_global']),
};

describe('splitStatements', () => {
  it('splits at ; outside quotes and drops psql meta-commands and comment lines', () => {
    const statements = splitStatements(SCRIPT);
    expect(statements.some((s) => s.startsWith('\\'))).toBe(false);
    expect(statements.some((s) => s.startsWith('--'))).toBe(false);
    expect(statements).toContain(`COMMENT ON ROLE "Sales Team" IS 'sales; "EU"\nand more'`);
    expect(statements.find((s) => s.startsWith('ALTER ROLE app_owner'))).toContain(
      "PASSWORD 'SCRAM-SHA-256$4096:c2FsdA==$a;b:c'",
    );
  });
});

describe('classify', () => {
  it.each([
    ['CREATE ROLE "Sales Team"', { kind: 'create-role', role: 'Sales Team' }],
    ['CREATE ROLE App', { kind: 'create-role', role: 'app' }],
    [
      `ALTER ROLE app_user WITH NOSUPERUSER NOINHERIT LOGIN NOBYPASSRLS CONNECTION LIMIT 5 VALID UNTIL 'infinity' PASSWORD 'x''y'`,
      {
        kind: 'role-attributes',
        role: 'app_user',
        attributes: [
          'NOINHERIT',
          'LOGIN',
          'CONNECTION LIMIT 5',
          "VALID UNTIL 'infinity'",
          "PASSWORD 'x''y'",
        ],
      },
    ],
    [
      'ALTER ROLE r WITH NOLOGIN CONNECTION LIMIT -1 PASSWORD NULL',
      { kind: 'role-attributes', role: 'r', attributes: [] },
    ],
    [
      'GRANT a, "B c" TO m WITH ADMIN OPTION GRANTED BY postgres',
      { kind: 'membership', roles: ['a', 'B c'], members: ['m'], options: 'WITH ADMIN OPTION' },
    ],
    ['GRANT a TO m', { kind: 'membership', roles: ['a'], members: ['m'], options: '' }],
    [
      `CREATE TABLESPACE "Fast" OWNER app LOCATION '/srv/x'`,
      { kind: 'create-tablespace', tablespace: 'Fast', owner: 'app', location: "'/srv/x'" },
    ],
  ])('%s', (sql, expected) => {
    expect(classify(sql)).toEqual(expected);
  });

  it.each([
    "SET client_encoding = 'UTF8'",
    'DROP ROLE app',
    'GRANT SET ON PARAMETER work_mem TO app',
    'ALTER ROLE app IN DATABASE shop SET work_mem = 1',
    'CREATE ROLE a; DROP DATABASE x',
  ])('ignores %s', (sql) => {
    expect(classify(sql).kind).toBe('ignored');
  });

  it('ties settings, comments and tablespace grants to their subject', () => {
    expect(classify(`ALTER ROLE "A b" SET work_mem TO '8MB'`)).toMatchObject({
      kind: 'role-setting',
      role: 'A b',
    });
    expect(classify(`SECURITY LABEL FOR selinux ON ROLE x IS 'l'`)).toMatchObject({
      kind: 'role-setting',
      role: 'x',
    });
    expect(classify('GRANT CREATE ON TABLESPACE fast TO app')).toMatchObject({
      kind: 'tablespace-setting',
      tablespace: 'fast',
    });
    expect(classify('ALTER TABLESPACE fast SET (random_page_cost = 1)')).toMatchObject({
      kind: 'tablespace-setting',
      tablespace: 'fast',
    });
  });
});

describe('planRoles and roleStatements', () => {
  const statements = parseGlobals(SCRIPT);
  const plan = planRoles(statements, TARGET);
  const sql = roleStatements(statements, TARGET, plan);

  it('creates the missing roles, keeps the existing, skips the reserved and the connecting user', () => {
    expect(plan.created).toEqual(['Sales Team', 'app_user']);
    expect(plan.kept).toEqual(['app_owner']);
    expect(plan.skipped).toEqual([
      { name: 'postgres', reason: 'the connecting user' },
      { name: 'rds_superuser', reason: 'reserved by RDS on this server' },
    ]);
  });

  it('never alters a kept role and grants memberships only to created members', () => {
    expect(sql).toEqual([
      'CREATE ROLE "Sales Team"',
      'CREATE ROLE "app_user"',
      'ALTER ROLE "app_user" WITH NOINHERIT CREATEDB LOGIN CONNECTION LIMIT 5 VALID UNTIL \'infinity\'',
      `COMMENT ON ROLE "Sales Team" IS 'sales; "EU"\nand more'`,
      "ALTER ROLE app_user SET search_path TO 'app', 'public'",
      'GRANT "Sales Team" TO "app_user" WITH ADMIN OPTION, INHERIT TRUE',
      'GRANT "pg_read_all_data" TO "app_user" WITH INHERIT TRUE',
    ]);
    expect(sql.join('\n')).not.toContain('app_owner');
    expect(plan.memberships).toEqual({
      granted: ['Sales Team → app_user', 'pg_read_all_data → app_user'],
      skipped: ['Sales Team → postgres'],
    });
  });

  it('is idempotent: once the roles exist, a second plan creates and grants nothing', () => {
    const after = { ...TARGET, roles: new Set([...TARGET.roles, 'Sales Team', 'app_user']) };
    const again = planRoles(statements, after);
    expect(again.created).toEqual([]);
    expect(roleStatements(statements, after, again)).toEqual([]);
  });

  const PROVIDER_ROLES = ['rdsadmin', 'cloudsqlsuperuser', 'supabase_admin', 'azure_superuser'];
  it.each([
    ['rdsadmin', 'reserved by RDS on this server'],
    ['rds_iam', 'reserved by RDS on this server'],
    ['cloudsqlsuperuser', 'reserved by Cloud SQL on this server'],
    ['supabase_admin', 'reserved by Supabase on this server'],
    ['supabase_auth_admin', 'reserved by Supabase on this server'],
    ['azure_pg_admin', 'reserved by Azure on this server'],
    ['pg_monitor', 'reserved by PostgreSQL'],
    ['admin', 'the bootstrap superuser of the target'],
    ['rdsadministrator', undefined],
    ['app', undefined],
  ])('reservedReason(%s) on the provider’s server', (name, reason) => {
    const target = {
      ...TARGET,
      currentUser: 'me',
      bootstrap: 'admin',
      roles: new Set(PROVIDER_ROLES),
    };
    expect(reservedReason(name, target)).toBe(reason);
  });

  it.each(['rds_superuser', 'supabase_auth_admin', 'supabase_admin', 'cloudsqlsuperuser'])(
    'creates the provider role %s on a server of no provider (a move to self-hosted)',
    (name) => {
      const plain = { ...TARGET, currentUser: 'me', bootstrap: 'admin', roles: new Set<string>() };
      expect(reservedReason(name, plain)).toBeUndefined();
    },
  );
});

describe('the globals object', () => {
  const id = 'shop-20261122T020000Z';

  it('is named <id>.globals.sql with the plain-dump stages, and belongs to its backup', () => {
    expect(globalsObjectName(id, '.sql')).toBe(`${id}.globals.sql`);
    expect(globalsObjectName(id, '.sql.gz.age')).toBe(`${id}.globals.sql.gz.age`);
    expect(globalsObjectName(id, '.sql.zst')).toBe(`${id}.globals.sql.zst`);
    expect(isGlobalsOf(`${id}.globals.sql.zst.age`, id)).toBe(true);
    expect(isGlobalsOf(`${id}.dump`, id)).toBe(false);
    expect(isGlobalsOf(`${id}-2.globals.sql`, id)).toBe(false);
    expect(belongsTo(globalsObjectName(id, '.sql'), id)).toBe(true);
  });

  it('is compressed like a plain dump (lz4, not available for plain, becomes auto)', () => {
    expect(plainCompression({ method: 'lz4', level: 3 })).toEqual({ method: 'auto' });
    expect(plainCompression({ method: 'gzip', level: 9 })).toEqual({ method: 'gzip', level: 9 });
  });

  it('is dumped with --no-role-passwords only when passwords cannot be read, never with one', () => {
    const conn = {
      host: 'db',
      port: 5432,
      database: 'shop',
      user: 'u',
      password: 'pw',
      params: {},
    };
    expect(pgDumpallArgs(conn, true)).toEqual([
      '--globals-only',
      '--no-password',
      "--dbname=host='db' port='5432' dbname='shop' user='u'",
    ]);
    expect(pgDumpallArgs(conn, false)).toContain('--no-role-passwords');
    expect(pgDumpallArgs(conn, false).join(' ')).not.toContain('pw');
  });
});

describe('the manifest globals check', () => {
  const { manifest } = manufacture('shop', new Date('2026-11-22T02:00:00Z'), { globals: true });
  const parse = (globals: unknown) =>
    parseManifest(JSON.stringify({ ...manifest, globals }), 'test.manifest.json');

  it('accepts a recorded globals object', () => {
    expect(parse(manifest.globals).globals).toEqual(manifest.globals);
  });

  it.each([
    ['a path', { key: '../x.globals.sql' }],
    ['another backup', { key: 'other-20261122T020000Z.globals.sql' }],
    ['the data object', { key: `${manifest.id}.dump` }],
    ['a size that is no count', { size: -1 }],
    ['a bad sha256', { sha256: 'abc' }],
    ['rolePasswords missing', { rolePasswords: undefined }],
  ])('refuses %s', (_what, change) => {
    expect(() => parse({ ...manifest.globals, ...change })).toThrow(/globals is not/);
  });
});
