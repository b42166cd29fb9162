import { mkdtemp, mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { readPostRestoreSql } from '../../../src/inputs/post-restore.js';
import { readAssertSql } from '../../../src/inputs/verify.js';
import {
  checkPlainSql,
  rowCountCheckSql,
  STATEMENT_END,
  userLines,
} from '../../../src/postgres/post-restore.js';
import { scanSql } from '../../../src/postgres/sql-text.js';
import { readerOf } from '../../../scripts/lib/repo.js';

describe('post-restore-sql is plain SQL for the restore transaction', () => {
  it.each([
    [
      'UPDATE app.customers SET email = NULL',
      `UPDATE app.customers SET email = NULL${STATEMENT_END}\n`,
    ],
    ["update t set x = 'a\\b';\n", "update t set x = 'a\\b';\n"],
    [
      'do $$ begin raise notice $q$\\x$q$; end $$;',
      'do $$ begin raise notice $q$\\x$q$; end $$;\n',
    ],
    ['-- \\set x\nselect 1 /* \\! ls */;', '-- \\set x\nselect 1 /* \\! ls */;\n'],
    ['select "a\\b" from t -- trailing', `select "a\\b" from t -- trailing${STATEMENT_END}\n`],
  ])('accepts %j', (text, sql) => {
    expect(checkPlainSql(text)).toEqual({ sql });
  });

  it.each([
    ['\\! rm -rf /', /line 1 has a backslash/],
    ['select 1;\nselect 2 \\gexec', /line 2 has a backslash/],
    ["select 'open", /ends inside a '…' string/],
    ['do $x$ begin', /ends inside the dollar quote \$x\$/],
    ['update t set a = 1;\nCOMMIT;', /line 2 starts 'COMMIT'/],
    ['select 1; begin', /starts 'begin'/],
    ['copy t from stdin;', /read psql's input/],
  ])('refuses %j', (text, problem) => {
    const checked = checkPlainSql(text);
    expect('problem' in checked && checked.problem).toMatch(problem);
  });

  it("tells the user's own lines from an added statement end", () => {
    const added = checkPlainSql('select 1\nselect 2');
    expect('sql' in added && userLines(added.sql)).toBe(2);
    const own = checkPlainSql('select 1;\nselect 2;\n');
    expect('sql' in own && userLines(own.sql)).toBe(2);
  });

  it('counts statements, dollar quotes and identifiers with $ apart', () => {
    expect(scanSql('select a$b$ from t; select $$;$$').statements).toHaveLength(2);
  });

  it('carries table names hex-encoded into the row check', () => {
    const sql = rowCountCheckSql([{ schema: "we'ird", name: 'x$pgba_rows$', rows: 3 }]);
    expect(sql).not.toContain("we'ird");
    expect(sql).toContain(Buffer.from("we'ird").toString('hex'));
    expect(rowCountCheckSql([])).toBe('');
  });

  it('reads @path from the workspace and refuses a path outside it', async () => {
    const ws = await mkdtemp(join(tmpdir(), 'ws-post-'));
    await mkdir(join(ws, 'db'));
    await writeFile(join(ws, 'db', 'mask.sql'), 'update t set email = null;\n');
    const read = (value: string) => readerOf({ 'post-restore-sql': value });
    expect(readPostRestoreSql(read('@db/mask.sql'), ws)).toBe('update t set email = null;\n');
    expect(readPostRestoreSql(read(''), ws)).toBeUndefined();
    expect(() => readPostRestoreSql(read('@../etc/passwd'), ws)).toThrow(/outside the workspace/);
    expect(() => readPostRestoreSql(read('@/etc/hostname'), ws)).toThrow(/outside the workspace/);
    expect(() => readPostRestoreSql(read('@db/none.sql'), ws)).toThrow(/names no file/);
    await writeFile(join(ws, 'db', 'meta.sql'), '\\copy t to /tmp/x\n');
    expect(() => readPostRestoreSql(read('@db/meta.sql'), ws)).toThrow(/backslash/);
  });
});

describe('assert-sql', () => {
  it('reads one query a line, skipping blanks and comments, and refuses two on a line', () => {
    const read = readerOf({ 'assert-sql': 'select true;\n\n-- note\nselect count(*) > 1 from t' });
    expect(readAssertSql(read)).toEqual(['select true', 'select count(*) > 1 from t']);
    expect(() => readAssertSql(readerOf({ 'assert-sql': 'select 1; select 2' }))).toThrow(
      /several statements/,
    );
  });
});
