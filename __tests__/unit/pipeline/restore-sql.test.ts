import { describe, expect, it } from '@jest/globals';
import { explainFailure } from '../../../src/pipeline/restore-sql.js';
import { GUARD_MARK } from '../../../src/postgres/overwrite-guard.js';
import { buildDirectArgs } from '../../../src/postgres/pg-restore.js';

const target = { host: 'h', port: 5432, user: 'u', password: 'pw', database: 'app', params: {} };

function job(server: string, dump: string, source: string) {
  const major = Number(server.split('.')[0]);
  return { target, versions: { server: { version: server, major }, dump, source } };
}

const COLLATION = {
  line: 116,
  message: 'ERROR:  unrecognized collation provider: builtin',
};

describe('explainFailure', () => {
  it('names both majors, the first failing object and what to do when the target is older than the source', () => {
    const e = explainFailure(job('15.10', '18.6', '18.6'), COLLATION, 'COLLATION public.c', null);
    expect(e.message).toBe(
      "PostgreSQL 15.10 rejected the backup's SQL at its first failing object: COLLATION public.c (line 116): ERROR: unrecognized collation provider: builtin. The backup was written by pg_dump 18.6 from PostgreSQL 18.6, and the target is PostgreSQL 15.10: restore into a server at least as new as the source (PostgreSQL 18 or newer). A backup with pg-version: 15 is possible only from a source server of PostgreSQL 15 or older (pg_dump cannot dump a newer server).",
    );
  });

  it('suggests pg-version of the target when only the pg_dump was newer than the target', () => {
    const e = explainFailure(job('15.10', '18.6', '15.4'), COLLATION, 'COLLATION public.c', null);
    expect(e.message).toContain('take the backup with pg-version: 15');
    expect(e.message).toContain('at least as new as PostgreSQL 18');
  });

  it('gives no version advice when the target is as new as the backup', () => {
    const failed = { line: 7, message: 'ERROR:  relation "x" already exists' };
    const e = explainFailure(job('18.1', '18.6', '17.2'), failed, undefined, null);
    expect(e.message).toBe(
      'PostgreSQL 18.1 rejected the backup\'s SQL at its first failing line 7: ERROR: relation "x" already exists.',
    );
  });

  it("turns the overwrite guard's error into what to do", () => {
    const failed = {
      line: 900,
      message: `ERROR:  ${GUARD_MARK}: 12 object(s): view public.report, constraint f_fkey on public.other`,
    };
    const e = explainFailure(job('18.1', '18.6', '18.1'), failed, 'TABLE public.t', null);
    expect(e.message).toBe(
      "overwrite would also drop 12 objects of 'app' that are not in the backup but depend on its objects: view public.report, constraint f_fkey on public.other and 2 more. Drop or change those objects first, or restore into an empty database.",
    );
  });
});

describe('buildDirectArgs', () => {
  it('restores in one transaction from stdin with the selection', () => {
    const args = buildDirectArgs(
      {
        schemas: [],
        tables: ['s.t'],
        schemaOnly: false,
        dataOnly: false,
        noOwner: true,
        noPrivileges: false,
        clean: false,
      },
      target,
    );
    expect(args.slice(0, 5)).toEqual([
      '--single-transaction',
      '--no-password',
      '--no-owner',
      '--table=t',
      '--schema=s',
    ]);
    expect(args).toHaveLength(6);
    expect(args[5]).toMatch(/^--dbname=/);
    expect(args.join(' ')).not.toContain('pw');
  });
});
