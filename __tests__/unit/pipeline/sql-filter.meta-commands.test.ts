import { describe, expect, it } from '@jest/globals';
import { SqlFilter } from '../../../src/pipeline/sql-filter.js';
import { SqlLexer } from '../../../src/pipeline/sql-lexer.js';
import {
  newRestrictKey,
  psqlCanRestrict,
  restrictLine,
} from '../../../src/postgres/psql-restrict.js';
import { chunksOf, collect } from '../../helpers/unit-support.js';

const GUARD = { knownSettings: new Set<string>(), dropOwners: false, dropPrivileges: false };

/** The filter's output for `text` cut into chunks of `size`, or its error message. */
async function run(text: string, size: number, refuse = true): Promise<string> {
  const filter = new SqlFilter({ ...GUARD, refuseMetaCommands: refuse });
  const out = collect(filter);
  for (const chunk of chunksOf(Buffer.from(text), size)) filter.write(chunk);
  filter.end();
  return out.then(
    (b) => b.toString(),
    (e: unknown) => `ERROR ${(e as Error).message}`,
  );
}

const SIZES = [1, 2, 3, 7, 64, 1 << 16];

describe('SqlFilter: psql meta-commands', () => {
  it.each([
    ['a line start', 'SELECT 1;\n\\! id\n', '\\!', 2],
    ['the middle of a line', 'SELECT 1; \\! id\n', '\\!', 1],
    ['the first bytes of a line', 'CR \\! id\n', '\\!', 1],
    ['the end of the input', 'SELECT 1;\nSELECT 2; \\q', '\\q', 2],
    ['after a closed string', "SELECT 'a''b', \"x\"\"y\" \\copy t to program 'id'\n", '\\copy', 1],
    ['after a dollar quote', 'SELECT $f$ ; $f$;\\o |id\n', '\\o', 1],
    ['after a block comment', '/* a /* b */ c */ \\setenv X y\n', '\\setenv', 1],
    ['after an escape string', "SELECT E'\\\\', E'\\'' \\i /etc/passwd\n", '\\i', 1],
    ['a wrong \\unrestrict', '\\restrict k1\nSELECT 1;\n\\unrestrict k2\n', '\\unrestrict', 3],
    ['a second \\restrict', '\\restrict k1\n\\restrict k2\n', '\\restrict', 2],
    ['an \\unrestrict without \\restrict', '\\unrestrict k1\n', '\\unrestrict', 1],
    ['a very long meta-command line', `\\echo ${'x'.repeat(100_000)}\n`, '\\echo', 1],
    ['after COPY data', 'COPY t (a) FROM stdin;\n\\N\n\\.\n\\! id\n', '\\!', 4],
  ])('refuses one at %s', async (_name, text, command, line) => {
    for (const size of SIZES) {
      const out = await run(text, size);
      expect(out).toContain(`psql meta-command ${command} at line ${line},`);
    }
  });

  it.each([
    [
      'the dump’s own restrict pair',
      '\\restrict abc\nSELECT 1;\n\\unrestrict abc\n',
      'SELECT 1;\n',
    ],
    ['COPY data', 'COPY t (a) FROM stdin;\n\\N\n\\\\! x\n\\.\n', null],
    ['a quoted string over lines', "COMMENT ON t IS 'a\n\\! id\nGRANT x TO y;';\n", null],
    ['a dollar quote over lines', 'CREATE FUNCTION f() AS $_$\n\\! id\n$_$;\n', null],
    ['an escape string', "SELECT E'it\\'s \\\\! id';\n", null],
    ['a quoted identifier', 'CREATE TABLE "a\\!b" ();\n', null],
    ['a comment', '-- \\! id\n/* \\! id\n \\o x */ SELECT 1;\n', null],
    ['an identifier with dollars', 'SELECT a$b$ FROM t; SELECT $1;\n', null],
  ])('passes %s', async (_name, text, expected) => {
    for (const size of SIZES) expect(await run(text, size)).toBe(expected ?? text);
  });

  it('leaves meta-commands alone without the rule', async () => {
    const text = `\\restrict abc\n\\! id\nSELECT 1; \\o x\n\\echo ${'x'.repeat(1000)}\n`;
    expect(await run(text, 5, false)).toBe(text);
  });

  it('edits no line inside a quoted string (a GRANT in a comment text stays)', async () => {
    const text = "COMMENT ON TABLE t IS 'x\nGRANT ALL ON t TO y;\n';\nGRANT ALL ON t TO y;\n";
    const filter = new SqlFilter({ ...GUARD, dropPrivileges: true });
    const out = collect(filter);
    filter.end(text);
    expect((await out).toString()).toBe("COMMENT ON TABLE t IS 'x\nGRANT ALL ON t TO y;\n';\n");
    expect(filter.counts.privileges).toBe(1);
  });
});

describe('SqlLexer', () => {
  it('follows standard_conforming_strings = off', () => {
    const lexer = new SqlLexer();
    lexer.stdStrings = false;
    const line = Buffer.from("SELECT 'x\\'' \\! id");
    expect(lexer.scan(line, 0, line.length)).toBe(line.indexOf('\\!'));
  });
});

describe('psql \\restrict', () => {
  it.each([
    ['13.21', false],
    ['13.22', true],
    ['14.18', false],
    ['14.19', true],
    ['15.13', false],
    ['15.14', true],
    ['16.9', false],
    ['16.10', true],
    ['17.5', false],
    ['17.6', true],
    ['18.0', true],
    ['19.0', true],
    ['12.22', false],
    ['', false],
  ])('psql %s can restrict: %s', (version, expected) => {
    expect(psqlCanRestrict(version)).toBe(expected);
  });

  it('starts psql restricted with a fresh key each time', () => {
    const [a, b] = [newRestrictKey(), newRestrictKey()];
    expect(a).toMatch(/^[0-9a-f]{48}$/);
    expect(a).not.toBe(b);
    expect(restrictLine(a)).toBe(`\\restrict ${a}\n`);
  });
});

describe('a COPY statement whose quoted names hold a newline', () => {
  it('reads its data as data (backslash escapes are not meta-commands), at any chunk size', async () => {
    const text =
      'COPY public."new\nline" (x, "col\numn") FROM stdin;\n1\t\\N\n2\ta\\\\b\n\\.\nSELECT 1;\n';
    for (const size of SIZES) expect(await run(text, size)).toBe(text);
  });

  it('still refuses a meta-command after the data ends', async () => {
    const text = 'COPY public."a\nb" (x) FROM stdin;\n1\n\\.\n\\! id\n';
    for (const size of SIZES)
      expect(await run(text, size)).toContain('psql meta-command \\! at line 5,');
  });
});
