import { describe, expect, it } from '@jest/globals';
import { SqlFilter, type SqlFilterRules } from '../../../src/pipeline/sql-filter.js';
import { bytes, chunksOf, collect } from '../../helpers/unit-support.js';

/** Settings a PostgreSQL 16 server knows (no transaction_timeout, no default_with_oids). */
const PG16_SETTINGS = new Set([
  'statement_timeout',
  'lock_timeout',
  'idle_in_transaction_session_timeout',
  'client_encoding',
  'standard_conforming_strings',
  'check_function_bodies',
  'xmloption',
  'client_min_messages',
  'row_security',
  'default_table_access_method',
  'default_tablespace',
  'search_path',
]);

type Flags = Pick<SqlFilterRules, 'dropOwners' | 'dropPrivileges' | 'cascadeClean'>;

const NONE: Flags = { dropOwners: false, dropPrivileges: false, cascadeClean: false };
const ALL: Flags = { dropOwners: true, dropPrivileges: true, cascadeClean: true };

function rulesOf(flags: Partial<Flags>, known = PG16_SETTINGS): SqlFilterRules {
  return { knownSettings: known, ...NONE, ...flags };
}

/** Writes the chunks exactly as given (one _transform each) and collects the output. */
async function filtered(
  chunks: Buffer[],
  rules: SqlFilterRules,
): Promise<{ out: Buffer; dropped: string[] }> {
  const filter = new SqlFilter(rules);
  const out = collect(filter);
  for (const chunk of chunks) filter.write(chunk);
  filter.end();
  return { out: await out, dropped: [...filter.dropped].sort() };
}

/** Splits at pseudo-random places (about one cut in `every` bytes), deterministic per seed. */
function randomSplits(data: Buffer, seed: number, every: number): Buffer[] {
  const noise = bytes(data.length, seed);
  const out: Buffer[] = [];
  let from = 0;
  for (let i = 1; i < data.length; i += 1) {
    if ((noise[i] ?? 0) % every === 0) {
      out.push(data.subarray(from, i));
      from = i;
    }
  }
  out.push(data.subarray(from));
  return out;
}

/** The ways a stream may cut the same bytes. */
function chunkings(data: Buffer): [string, Buffer[]][] {
  const ways: [string, Buffer[]][] = [['one chunk', [data]]];
  for (const size of [1, 2, 3, 5, 7, 13, 64, 4096])
    ways.push([`${size}-byte chunks`, chunksOf(data, size)]);
  for (const seed of [1, 2, 3, 4, 5])
    ways.push([`random splits #${seed}`, randomSplits(data, seed, 17)]);
  for (const seed of [6, 7])
    ways.push([`sparse random splits #${seed}`, randomSplits(data, seed, 251)]);
  ways.push(['empty chunks between', chunksOf(data, 9).flatMap((c) => [c, Buffer.alloc(0)])]);
  return ways;
}

/** Every cut of `data` into two pieces (for short inputs). */
function everyTwoWaySplit(data: Buffer): Buffer[][] {
  const out: Buffer[][] = [];
  for (let i = 0; i <= data.length; i += 1) out.push([data.subarray(0, i), data.subarray(i)]);
  return out;
}

type Kind = 'keep' | 'unknownSet' | 'owner' | 'privilege';

// A dump as pg_dump 18 writes it, each line with what the rules may do to it. Drops after the
// first object comment are not --clean's and are never rewritten. Lines inside COPY data are always 'keep', however much they look like statements.
const DUMP: [string, Kind][] = [
  ['--', 'keep'],
  ['-- PostgreSQL database dump', 'keep'],
  ['--', 'keep'],
  ['', 'keep'],
  ['\\restrict AbCdEf123', 'keep'],
  ['', 'keep'],
  ['-- Dumped from database version 16.4', 'keep'],
  ['-- Dumped by pg_dump version 18.1', 'keep'],
  ['', 'keep'],
  ['SET statement_timeout = 0;', 'keep'],
  ['SET lock_timeout = 0;', 'keep'],
  ['SET idle_in_transaction_session_timeout = 0;', 'keep'],
  ['SET transaction_timeout = 0;', 'unknownSet'],
  ["SET client_encoding = 'UTF8';", 'keep'],
  ['SET standard_conforming_strings = on;', 'keep'],
  ["SELECT pg_catalog.set_config('search_path', '', false);", 'keep'],
  ['SET check_function_bodies = false;', 'keep'],
  ['SET xmloption = content;', 'keep'],
  ['SET client_min_messages = warning;', 'keep'],
  ['SET row_security = off;', 'keep'],
  ['SET default_with_oids = false;', 'unknownSet'],
  ["SET future_setting_x = 'a;b';", 'unknownSet'],
  ["SET myext.flag = 'on';", 'keep'], // custom (dotted): never dropped
  ['SET a.b = 1;', 'keep'],
  ['SET transaction_timeout = 0', 'keep'], // no ';': not a whole statement
  ['  SET transaction_timeout = 0;', 'keep'], // indented: not top level
  ['set transaction_timeout = 0;', 'keep'],
  ['', 'keep'],
  ['CREATE SCHEMA sales;', 'keep'],
  ['ALTER SCHEMA sales OWNER TO bob;', 'owner'],
  ["SET default_tablespace = '';", 'keep'],
  ['SET default_table_access_method = heap;', 'keep'],
  ['', 'keep'],
  ['CREATE TABLE public.notes (', 'keep'],
  ['    body text', 'keep'],
  [');', 'keep'],
  ['', 'keep'],
  ['ALTER TABLE public.notes OWNER TO alice;', 'owner'],
  ['ALTER FUNCTION public.f(integer) OWNER TO "Bob Smith";', 'owner'],
  ['ALTER TABLE public.notes OWNER TO alice', 'keep'], // no ';'
  [' ALTER TABLE public.notes OWNER TO alice;', 'keep'],
  ['ALTER TABLE public.notes ADD COLUMN owner text;', 'keep'],
  ['', 'keep'],
  ['--', 'keep'],
  ['-- Data for Name: notes; Type: TABLE DATA; Schema: public; Owner: alice', 'keep'],
  ['--', 'keep'],
  ['', 'keep'],
  ['COPY public.notes (body) FROM stdin;', 'keep'],
  ['SET foo = 1;', 'keep'],
  ['SET transaction_timeout = 0;', 'keep'],
  ['ALTER TABLE x OWNER TO y;', 'keep'],
  ['GRANT ALL ON TABLE public.notes TO bob;', 'keep'],
  ['REVOKE ALL ON TABLE public.notes FROM PUBLIC;', 'keep'],
  ['DROP INDEX IF EXISTS public.notes_idx;', 'keep'],
  ['ALTER TABLE ONLY public.notes DROP CONSTRAINT IF EXISTS notes_pkey;', 'keep'],
  ['ALTER TABLE IF EXISTS ONLY public.notes DROP CONSTRAINT IF EXISTS notes_pkey;', 'keep'],
  ['COPY public.other (x) FROM stdin;', 'keep'],
  ['\\.x', 'keep'], // more after `\.`: data
  ['\\\\.', 'keep'], // the value `\.`, escaped
  [' \\.', 'keep'],
  ['\\.\\.', 'keep'],
  ['Grüße, 日本語, 🐘\tSET x = 1;', 'keep'],
  ['\\N', 'keep'],
  ['', 'keep'],
  ['\\.', 'keep'], // the end of COPY data
  ['', 'keep'],
  ['', 'keep'],
  ['COPY "My Schema"."odd; ""name""" (a, "b c") FROM stdin;', 'keep'],
  ['1\tGRANT SELECT ON t TO u;', 'keep'],
  ['DROP INDEX IF EXISTS x;', 'keep'],
  ['\\.', 'keep'],
  ['', 'keep'],
  ['GRANT SELECT ON TABLE public.notes TO reader;', 'privilege'],
  ['REVOKE ALL ON SCHEMA public FROM PUBLIC;', 'privilege'],
  ['GRANT ALL ON SCHEMA public TO PUBLIC;', 'privilege'],
  ['GRANT SELECT ON TABLE public.notes TO reader', 'keep'], // no ';'
  ['  GRANT SELECT ON TABLE public.notes TO reader;', 'keep'],
  ['GRANTED x;', 'keep'],
  ['', 'keep'],
  ['ALTER TABLE IF EXISTS ONLY public.m DROP CONSTRAINT IF EXISTS m_pkey;', 'keep'],
  ['ALTER TABLE ONLY public.m_2026 DROP CONSTRAINT IF EXISTS m_2026_check;', 'keep'],
  ['ALTER TABLE ONLY "Odd"."t ;x" DROP CONSTRAINT IF EXISTS "c; d";', 'keep'],
  ['DROP INDEX IF EXISTS public.m_idx;', 'keep'],
  ['DROP INDEX IF EXISTS "Odd"."ïdx";', 'keep'],
  ['ALTER TABLE public.m DROP CONSTRAINT IF EXISTS m_pkey;', 'keep'], // no ONLY
  ['ALTER TABLE IF EXISTS ONLY public.m DROP CONSTRAINT m_pkey;', 'keep'], // no IF EXISTS
  ['ALTER TABLE IF EXISTS public.m ALTER COLUMN id DROP DEFAULT;', 'keep'],
  ['DROP INDEX public.m_idx;', 'keep'],
  ['DROP INDEX IF EXISTS public.m_idx', 'keep'],
  ['DROP TABLE IF EXISTS public.m;', 'keep'],
  ['DROP SEQUENCE IF EXISTS public.m_id_seq;', 'keep'],
  [
    'DO $pgba$BEGIN DROP INDEX IF EXISTS public.m_idx; EXCEPTION WHEN others THEN NULL; END$pgba$;',
    'keep',
  ],
  ['', 'keep'],
  ['-- PostgreSQL database dump complete', 'keep'],
  ['', 'keep'],
  ['\\unrestrict AbCdEf123', 'keep'],
  ['', 'keep'],
];

/** The line as the filter should write it under `flags` (undefined: dropped). */
function expectedLine(line: string, kind: Kind, flags: Flags): string | undefined {
  if (kind === 'unknownSet') return undefined;
  if (kind === 'owner' && flags.dropOwners) return undefined;
  if (kind === 'privilege' && flags.dropPrivileges) return undefined;
  return line;
}

function expectedDump(flags: Flags, lines = DUMP): string {
  return lines
    .map(([line, kind]) => expectedLine(line, kind, flags))
    .filter((line) => line !== undefined)
    .map((line) => `${line}\n`)
    .join('');
}

const DUMP_TEXT = DUMP.map(([line]) => `${line}\n`).join('');
const DUMP_BYTES = Buffer.from(DUMP_TEXT);
const UNKNOWN = ['default_with_oids', 'future_setting_x', 'transaction_timeout'];

const FLAG_SETS: Flags[] = [];
for (const dropOwners of [false, true])
  for (const dropPrivileges of [false, true])
    for (const cascadeClean of [false, true])
      FLAG_SETS.push({ dropOwners, dropPrivileges, cascadeClean });

describe('SqlFilter on a whole dump', () => {
  describe.each(FLAG_SETS)('with %j', (flags) => {
    it.each(chunkings(DUMP_BYTES))('gives the same output in %s', async (_how, chunks) => {
      const { out, dropped } = await filtered(chunks, rulesOf(flags));
      expect(out.toString('utf8')).toBe(expectedDump(flags));
      expect(dropped).toEqual(UNKNOWN);
    });
  });

  it('drops no SET when the server knows every setting', async () => {
    const known = new Set([...PG16_SETTINGS, ...UNKNOWN]);
    const { out, dropped } = await filtered([DUMP_BYTES], rulesOf({}, known));
    expect(out.equals(DUMP_BYTES)).toBe(true);
    expect(dropped).toEqual([]);
  });

  it('records each unknown setting once', async () => {
    const sql = 'SET zz = 1;\nSET zz = 2;\nSET aa = 3;\nSELECT 1;\nSET zz = 3;\n';
    const { out, dropped } = await filtered([Buffer.from(sql)], rulesOf({}));
    expect(out.toString()).toBe('SELECT 1;\n');
    expect(dropped).toEqual(['aa', 'zz']);
  });

  it('keeps every SET with an empty known set only when dotted', async () => {
    const sql = 'SET a = 1;\nSET a.b = 2;\nSET x.y.z = 3;\nSET _u = 4;\n';
    const { out, dropped } = await filtered([Buffer.from(sql)], rulesOf({}, new Set()));
    expect(out.toString()).toBe('SET a.b = 2;\nSET x.y.z = 3;\n');
    expect(dropped).toEqual(['_u', 'a']);
  });
});

describe('SqlFilter: COPY data', () => {
  const copy = (data: string[]): string =>
    ['COPY public.t (line) FROM stdin;', ...data, '\\.', 'SET zz = 1;', ''].join('\n');

  it.each([
    ['SET foo = 1;'],
    ['SET zz = 1;'],
    ['ALTER TABLE public.t OWNER TO x;'],
    ['ALTER SCHEMA s OWNER TO x;'],
    ['GRANT ALL ON TABLE public.t TO x;'],
    ['REVOKE ALL ON TABLE public.t FROM x;'],
    ['DROP INDEX IF EXISTS public.i;'],
    ['ALTER TABLE ONLY public.t DROP CONSTRAINT IF EXISTS c;'],
    ['ALTER TABLE IF EXISTS ONLY public.t DROP CONSTRAINT IF EXISTS c;'],
    ['COPY public.u (x) FROM stdin;'],
    ['\\.x'],
    ['\\\\.'],
    ['\\. '],
    [' \\.'],
  ])('never touches the data line %j, and filters again after \\.', async (data) => {
    const sql = Buffer.from(copy([data, data]));
    for (const chunks of [...everyTwoWaySplit(sql), chunksOf(sql, 1)]) {
      const { out, dropped } = await filtered(chunks, rulesOf(ALL));
      expect(out.toString()).toBe(copy([data, data]).slice(0, -'SET zz = 1;\n'.length));
      expect(dropped).toEqual(['zz']);
    }
  });

  it('stays in COPY until a line that is exactly \\.', async () => {
    const sql = 'COPY t (a) FROM stdin;\n\\.\\.\nSET zz = 1;\n\\.\nSET zz = 1;\n';
    const { out } = await filtered([Buffer.from(sql)], rulesOf({}));
    expect(out.toString()).toBe('COPY t (a) FROM stdin;\n\\.\\.\nSET zz = 1;\n\\.\n');
  });

  it('does not start COPY for a COPY that is not FROM stdin', async () => {
    const sql = "COPY t (a) TO stdout;\nSET zz = 1;\nCOPY t FROM '/tmp/x';\nSET zz = 1;\n";
    const { out } = await filtered([Buffer.from(sql)], rulesOf({}));
    expect(out.toString()).toBe("COPY t (a) TO stdout;\nCOPY t FROM '/tmp/x';\n");
  });

  it('keeps a COPY block that is never closed untouched to the end', async () => {
    const sql = 'COPY t (a) FROM stdin;\nSET zz = 1;\nGRANT x TO y;';
    for (const chunks of chunkings(Buffer.from(sql)).map(([, c]) => c)) {
      const { out, dropped } = await filtered(chunks, rulesOf(ALL));
      expect(out.toString()).toBe(sql);
      expect(dropped).toEqual([]);
    }
  });
});

describe('SqlFilter: owners and privileges', () => {
  it.each([
    ['ALTER TABLE public.t OWNER TO app;', { dropOwners: true }, ''],
    ['ALTER SEQUENCE public.s OWNER TO app;', { dropOwners: true }, ''],
    ['ALTER TYPE public.e OWNER TO "App User";', { dropOwners: true }, ''],
    ['ALTER PUBLICATION p OWNER TO app;', { dropOwners: true }, ''],
    ['ALTER LARGE OBJECT 16401 OWNER TO app;', { dropOwners: true }, ''],
    [
      'ALTER TABLE public.t OWNER TO app;',
      { dropPrivileges: true },
      'ALTER TABLE public.t OWNER TO app;\n',
    ],
    ['GRANT SELECT ON TABLE public.t TO app;', { dropPrivileges: true }, ''],
    ['GRANT USAGE ON SCHEMA s TO app;', { dropPrivileges: true }, ''],
    ['REVOKE ALL ON FUNCTION public.f() FROM PUBLIC;', { dropPrivileges: true }, ''],
    [
      'GRANT SELECT ON TABLE public.t TO app;',
      { dropOwners: true },
      'GRANT SELECT ON TABLE public.t TO app;\n',
    ],
    ['GRANT app TO other;', { dropPrivileges: true }, ''],
    ['ALTER TABLE t OWNER TO app', { dropOwners: true }, 'ALTER TABLE t OWNER TO app\n'],
    [
      'ALTER TABLE t OWNER TO app; -- x',
      { dropOwners: true },
      'ALTER TABLE t OWNER TO app; -- x\n',
    ],
    ['GRANT SELECT', { dropPrivileges: true }, 'GRANT SELECT\n'],
    ['\tGRANT SELECT ON t TO app;', { dropPrivileges: true }, '\tGRANT SELECT ON t TO app;\n'],
    ['-- GRANT SELECT ON t TO app;', { dropPrivileges: true }, '-- GRANT SELECT ON t TO app;\n'],
    [
      "COMMENT ON TABLE t IS 'GRANT x;';",
      { dropPrivileges: true },
      "COMMENT ON TABLE t IS 'GRANT x;';\n",
    ],
    ['REVOKEALL x;', { dropPrivileges: true }, 'REVOKEALL x;\n'],
  ] as [string, Partial<Flags>, string][])(
    '%j with %j becomes %j',
    async (line, flags, expected) => {
      const sql = Buffer.from(`SELECT 1;\n${line}\nSELECT 2;\n`);
      for (const [, chunks] of chunkings(sql)) {
        const { out } = await filtered(chunks, rulesOf(flags));
        expect(out.toString()).toBe(`SELECT 1;\n${expected}SELECT 2;\n`);
      }
    },
  );

  // Regression: pg_restore --no-privileges also skips DEFAULT ACL entries, but for plain dumps the
  // filter keeps `ALTER DEFAULT PRIVILEGES … GRANT …;`, so no-privileges: true still applies
  // privileges (and fails when the role is missing on the target).
  it('drops ALTER DEFAULT PRIVILEGES lines with dropPrivileges', async () => {
    const sql =
      'ALTER DEFAULT PRIVILEGES FOR ROLE app IN SCHEMA public GRANT SELECT ON TABLES TO reader;\n';
    const { out } = await filtered([Buffer.from(sql)], rulesOf({ dropPrivileges: true }));
    expect(out.toString()).toBe('');
  });

  // Regression: the filter only knows about COPY data, not about dollar-quoted bodies or multi-line
  // string literals: a body line that happens to be a whole statement is dropped or rewritten,
  // silently changing the restored function.
  it.each([
    ['dropPrivileges', { dropPrivileges: true }, 'GRANT SELECT ON public.t TO PUBLIC;'],
    ['dropOwners', { dropOwners: true }, 'ALTER TABLE public.t OWNER TO app;'],
    ['cascadeClean', { cascadeClean: true }, 'DROP INDEX IF EXISTS public.i;'],
  ] as [string, Partial<Flags>, string][])(
    'leaves a function body untouched with %s',
    async (_name, flags, statement) => {
      const sql = [
        'CREATE FUNCTION public.setup() RETURNS void',
        '    LANGUAGE sql',
        '    AS $$',
        statement,
        '$$;',
        '',
      ].join('\n');
      const { out } = await filtered([Buffer.from(sql)], rulesOf(flags));
      expect(out.toString()).toBe(sql);
    },
  );
});

describe('SqlFilter: cascadeClean', () => {
  // The drop section as pg_restore --clean --if-exists writes it (pg_restore 18), then the objects.
  const HEADER =
    "SET row_security = off;\nSELECT pg_catalog.set_config('search_path', '', false);\n\n";
  const OBJECTS =
    '--\n-- Name: app; Type: SCHEMA; Schema: -; Owner: postgres\n--\n\nCREATE SCHEMA app;\n' +
    'DROP TABLE IF EXISTS app.later;\nALTER TABLE IF EXISTS ONLY app.c DROP CONSTRAINT IF EXISTS c_fkey;\n';
  const CASES: [string, string][] = [
    ['DROP PUBLICATION IF EXISTS pub;', 'DROP PUBLICATION IF EXISTS pub CASCADE;'],
    ['ALTER TABLE IF EXISTS ONLY app.c DROP CONSTRAINT IF EXISTS c_id_fkey;', ''],
    ['ALTER TABLE ONLY public.m_2026 DROP CONSTRAINT IF EXISTS m_2026_check;', ''],
    ['ALTER TABLE IF EXISTS public.m ALTER COLUMN id DROP DEFAULT;', ''],
    ['ALTER FOREIGN TABLE IF EXISTS ONLY public.f DROP CONSTRAINT IF EXISTS f_check;', ''],
    ['ALTER DOMAIN public.d DROP CONSTRAINT IF EXISTS d_check;', ''],
    ['ALTER PUBLICATION pub DROP TABLE ONLY public.t;', ''],
    ['DROP INDEX IF EXISTS app.p_v_idx;', ''],
    ['DROP INDEX IF EXISTS "Odd"."ïdx ;1";', ''],
    ['DROP TRIGGER IF EXISTS trg ON public.t;', ''],
    ['DROP RULE IF EXISTS r ON public.t;', ''],
    ['DROP POLICY IF EXISTS p ON public.t;', ''],
    [
      "SELECT pg_catalog.lo_unlink(oid) FROM pg_catalog.pg_largeobject_metadata WHERE oid = '4242';",
      "SELECT pg_catalog.lo_unlink(oid) FROM pg_catalog.pg_largeobject_metadata WHERE oid = '4242';",
    ],
    ['DROP VIEW IF EXISTS app.v;', 'DROP VIEW IF EXISTS app.v CASCADE;'],
    [
      'DROP MATERIALIZED VIEW IF EXISTS app.mv;',
      'DROP MATERIALIZED VIEW IF EXISTS app.mv CASCADE;',
    ],
    ['DROP TABLE IF EXISTS "Odd"."t ;x";', 'DROP TABLE IF EXISTS "Odd"."t ;x" CASCADE;'],
    ['DROP FUNCTION IF EXISTS app.f(integer);', 'DROP FUNCTION IF EXISTS app.f(integer) CASCADE;'],
    ['DROP TYPE IF EXISTS app.w CASCADE;', 'DROP TYPE IF EXISTS app.w CASCADE;'],
    [
      'DROP TEXT SEARCH CONFIGURATION IF EXISTS app.c;',
      'DROP TEXT SEARCH CONFIGURATION IF EXISTS app.c CASCADE;',
    ],
    ['DROP SCHEMA IF EXISTS app;', 'DROP SCHEMA IF EXISTS app CASCADE;'],
    [
      'DROP USER MAPPING IF EXISTS FOR app SERVER s;',
      'DROP USER MAPPING IF EXISTS FOR app SERVER s;',
    ],
  ];

  it.each(CASES)('rewrites %j in the drop section', async (line, want) => {
    const sql = Buffer.from(`${HEADER}${line}\n${OBJECTS}`);
    const expected = `${HEADER}${want ? `${want}\n` : ''}${OBJECTS}`;
    for (const [, chunks] of chunkings(sql)) {
      const { out } = await filtered(chunks, rulesOf({ cascadeClean: true }));
      expect(out.toString()).toBe(expected);
    }
    const { out } = await filtered([sql], rulesOf({ cascadeClean: false }));
    expect(out.equals(sql)).toBe(true);
  });

  it('keeps the bytes of a rewritten line that is not UTF-8', async () => {
    const name = Buffer.from([0x22, 0xed, 0x6e, 0x64, 0x22]); // "índ" in LATIN1
    const line = Buffer.concat([
      Buffer.from('DROP TABLE IF EXISTS public.'),
      name,
      Buffer.from(';\n'),
    ]);
    const { out } = await filtered([line], rulesOf({ cascadeClean: true }));
    expect(out.equals(Buffer.concat([line.subarray(0, -2), Buffer.from(' CASCADE;\n')]))).toBe(
      true,
    );
  });
});

describe('SqlFilter: object positions and counts', () => {
  const SQL = [
    'SET x = 1;',
    '--',
    '-- Name: app; Type: SCHEMA; Schema: -; Owner: postgres',
    '--',
    'CREATE SCHEMA app;',
    'ALTER SCHEMA app OWNER TO postgres;',
    '--',
    '-- Name: t; Type: TABLE; Schema: app; Owner: postgres',
    '--',
    'CREATE TABLE app.t (a int);',
    'GRANT SELECT ON TABLE app.t TO reader;',
    'ALTER TABLE app.t OWNER TO postgres;',
    '--',
    '-- Data for Name: t; Type: TABLE DATA; Schema: app; Owner: postgres',
    'COPY app.t (a) FROM stdin;',
    '1',
    '\\.',
    'SELECT 1;',
    '',
  ].join('\n');

  it('tells which object an output line belongs to, after the lines dropped and the offset', async () => {
    const filter = new SqlFilter(rulesOf({ dropOwners: true, dropPrivileges: true }), 1);
    const out = collect(filter);
    filter.end(Buffer.from(SQL));
    const lines = (await out).toString().split('\n');
    // The consumer read one line before the filter's output (BEGIN;): psql line n is lines[n - 2].
    const psqlLine = (text: string) => lines.indexOf(text) + 2;
    expect(filter.objectAt(psqlLine('CREATE SCHEMA app;'))).toBe('SCHEMA app');
    expect(filter.objectAt(psqlLine('CREATE TABLE app.t (a int);'))).toBe('TABLE app.t');
    expect(filter.objectAt(psqlLine('SELECT 1;'))).toBe('TABLE DATA app.t');
    expect(filter.objectAt(1)).toBeUndefined();
    expect(filter.counts).toEqual({ ownership: 2, privileges: 1 });
  });
});

describe('SqlFilter: byte-identical when nothing applies', () => {
  const texts: [string, string][] = [
    ['empty', ''],
    ['one newline', '\n'],
    ['no newline at all', 'SELECT 1;'],
    ['last line without newline', 'SELECT 1;\nSET statement_timeout = 0;'],
    ['a kept SET as last line without newline', "SET client_encoding = 'UTF8';"],
    [
      'non-ASCII everywhere',
      'CREATE TABLE "Größe" (ä text);\nCOMMENT ON TABLE "Größe" IS \'日本語 🐘\';\n🐘',
    ],
    ['non-ASCII first bytes', 'Ärger\nÉté\n日本\n'],
    ['CRLF lines', 'SELECT 1;\r\nSET zz = 1;\r\nGRANT x TO y;\r\n'],
    ['blank lines', '\n\n\n\nSELECT 1;\n\n'],
    ['COPY ending without newline', 'COPY t (a) FROM stdin;\nSET zz = 1;\n\\.'],
    [
      'only statement-like starts',
      'CREATE x;\nSELECT 1;\nALTER x;\nGRANTS;\nRESET all;\nDELETE x;\n',
    ],
    ['a NUL byte', 'SELECT \u0000;\n'],
  ];

  it.each(texts)('%s', async (_name, text) => {
    const data = Buffer.from(text);
    for (const [, chunks] of chunkings(data)) {
      const { out, dropped } = await filtered(chunks, rulesOf(ALL));
      expect(out.equals(data)).toBe(true);
      expect(dropped).toEqual([]);
    }
    for (const chunks of everyTwoWaySplit(data)) {
      const { out } = await filtered(chunks, rulesOf(ALL));
      expect(out.equals(data)).toBe(true);
    }
  });

  it.each([1, 2, 3])('passes pseudo-random bytes through unchanged (seed %d)', async (seed) => {
    const data = bytes(20000, seed);
    for (const [, chunks] of chunkings(data)) {
      const { out } = await filtered(chunks, rulesOf(ALL));
      expect(out.equals(data)).toBe(true);
    }
  });

  it('splits inside multi-byte characters without changing them', async () => {
    const data = Buffer.from("🐘🐘🐘\nÄÖÜ\nSET zz = '日本';\n日本語");
    for (const chunks of everyTwoWaySplit(data)) {
      const { out } = await filtered(chunks, rulesOf({}));
      expect(out.toString()).toBe('🐘🐘🐘\nÄÖÜ\n日本語');
    }
  });
});

describe('SqlFilter: the last line without a newline', () => {
  it.each([
    ['an unknown SET is dropped', 'SELECT 1;\nSET zz = 1;', ALL, 'SELECT 1;\n', ['zz']],
    ['an owner line is dropped', 'SELECT 1;\nALTER TABLE t OWNER TO x;', ALL, 'SELECT 1;\n', []],
    ['a GRANT is dropped', 'SELECT 1;\nGRANT x TO y;', ALL, 'SELECT 1;\n', []],
    [
      'a GRANT is kept without the rule',
      'SELECT 1;\nGRANT x TO y;',
      NONE,
      'SELECT 1;\nGRANT x TO y;',
      [],
    ],
    [
      'a clean sub-object drop is left out, also without newline',
      'SELECT 1;\nDROP INDEX IF EXISTS i;',
      ALL,
      'SELECT 1;\n',
      [],
    ],
    [
      'a clean object drop gets CASCADE, still without newline',
      'SELECT 1;\nDROP TABLE IF EXISTS t;',
      ALL,
      'SELECT 1;\nDROP TABLE IF EXISTS t CASCADE;',
      [],
    ],
    [
      'COPY data is kept',
      'COPY t (a) FROM stdin;\nSET zz = 1;',
      ALL,
      'COPY t (a) FROM stdin;\nSET zz = 1;',
      [],
    ],
    ['a lone unknown SET', 'SET zz = 1;', ALL, '', ['zz']],
  ] as [string, string, Flags, string, string[]][])(
    '%s',
    async (_name, input, flags, expected, unknown) => {
      for (const [, chunks] of chunkings(Buffer.from(input))) {
        const { out, dropped } = await filtered(chunks, rulesOf(flags));
        expect(out.toString()).toBe(expected);
        expect(dropped).toEqual(unknown);
      }
    },
  );
});
