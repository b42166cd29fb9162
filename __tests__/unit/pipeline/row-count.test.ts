import { finished } from 'node:stream/promises';
import { describe, expect, it } from '@jest/globals';
import { parseCopyTarget, RowCounter, type TableRows } from '../../../src/pipeline/row-count.js';
import { bytes, chunksOf } from '../../helpers/unit-support.js';

/** Writes the chunks exactly as given (one _write each) and waits for the end. */
async function count(chunks: Buffer[]): Promise<RowCounter> {
  const counter = new RowCounter();
  for (const chunk of chunks) counter.write(chunk);
  counter.end();
  await finished(counter);
  return counter;
}

function header(name: string, type: string, schema: string): string {
  return `--\n-- Data for Name: ${name}; Type: ${type}; Schema: ${schema}; Owner: app\n--\n\n`;
}

// A plain dump as pg_dump 18 writes it, with awkward names and data lines.
const DUMP = [
  '--\n-- PostgreSQL database dump\n--\n\n',
  '\\restrict AbCdEf123\n\n',
  "SET statement_timeout = 0;\nSET client_encoding = 'UTF8';\n\n",
  'CREATE TABLE public.orders (id integer, note text);\n\n',
  // a COPY outside a TABLE DATA section (e.g. in a function body) is not table data
  'CREATE FUNCTION public.f() RETURNS void LANGUAGE sql AS $$\n',
  'COPY public.orders (id) FROM stdin;\n1\n2\n\\.\n$$;\n\n',
  header('orders', 'TABLE DATA', 'public'),
  'COPY public.orders (id, note) FROM stdin;\n',
  '1\tfirst\n',
  '2\t\\\\.\n',
  '3\t\\.x\n',
  '4\ta\\nb\n',
  '5\t\\N\n',
  '\\.\n\n\n',
  header('empty', 'TABLE DATA', 'public'),
  'COPY public.empty (id) FROM stdin;\n',
  '\\.\n\n\n',
  header('My "Quoted" Table', 'TABLE DATA', 'My.Schema'),
  'COPY "My.Schema"."My ""Quoted"" Table" (id, "col.x") FROM stdin;\n',
  '1\ta\n',
  '2\tb\n',
  '\\.\n\n\n',
  header('lines', 'TABLE DATA', 'public'),
  'COPY public.lines (t) FROM stdin;\n',
  '\\.x\n', // not the terminator: more follows `\.`
  '\\\\.\n', // the value `\.` (backslash escaped)
  '\\\\.\\\\.\n',
  ' \\.\n', // leading space: data
  '-- Data for Name: fake; Type: TABLE DATA; Schema: public; Owner: app\n', // data, not a header
  'COPY public.fake (id) FROM stdin;\n', // data, not a COPY
  '\n', // an empty line is a row (one empty text column)
  '\\.\n\n\n',
  header('mv', 'MATERIALIZED VIEW DATA', 'public'),
  'REFRESH MATERIALIZED VIEW public.mv;\n\n',
  header('LARGE OBJECTS', 'BLOBS', '-'),
  "BEGIN;\n\nSELECT pg_catalog.lo_open('16400', 131072);\nSELECT pg_catalog.lowrite(0, '\\x68656c6c6f');\n",
  'SELECT pg_catalog.lo_close(0);\n\nCOMMIT;\n\n',
  header('sequences', 'SEQUENCE SET', 'public'),
  "SELECT pg_catalog.setval('public.s', 1, false);\n\n",
  '--\n-- PostgreSQL database dump complete\n--\n\n',
  '\\unrestrict AbCdEf123\n\n',
].join('');

const EXPECTED: TableRows[] = [
  { schema: 'public', name: 'orders', rows: 5 },
  { schema: 'public', name: 'empty', rows: 0 },
  { schema: 'My.Schema', name: 'My "Quoted" Table', rows: 2 },
  { schema: 'public', name: 'lines', rows: 7 },
];

const BUF = Buffer.from(DUMP, 'utf8');

function expectDump(counter: RowCounter): void {
  expect(counter.tables).toEqual(EXPECTED);
  expect(counter.totalRows()).toBe(14);
  expect(counter.complete).toBe(true);
}

function randomSplits(data: Buffer, seed: number): Buffer[] {
  const noise = bytes(data.length, seed);
  const out: Buffer[] = [];
  let start = 0;
  for (let i = 0; start < data.length; i += 1) {
    const size = 1 + ((noise[i] ?? 0) % 97);
    out.push(data.subarray(start, start + size));
    start += size;
  }
  return out;
}

describe('RowCounter', () => {
  it.each([1, 2, 3, 5, 7, 13, 64, 511, 4096, BUF.length])(
    'counts the same rows in %i-byte chunks',
    async (size) => {
      expectDump(await count(chunksOf(BUF, size)));
    },
  );

  it.each([1, 2, 3, 4, 5])('counts the same rows in random chunks (seed %i)', async (seed) => {
    expectDump(await count(randomSplits(BUF, seed)));
  });

  it('counts the same rows whatever the split point of two chunks', async () => {
    for (let at = 0; at <= BUF.length; at += 1) {
      const counter = await count([BUF.subarray(0, at), BUF.subarray(at)]);
      expect({ at, tables: counter.tables }).toEqual({ at, tables: EXPECTED });
    }
  });

  it.each([
    ['between \\ and . of a terminator', DUMP.indexOf('\\.\n\n\n') + 1],
    ['right after a terminator, before its newline', DUMP.indexOf('\\.\n\n\n') + 2],
    ['inside a COPY line', DUMP.indexOf('COPY public.orders (id, note)') + 7],
    ['inside the quoted name', DUMP.indexOf('""Quoted""') + 1],
    ['inside a data row', DUMP.indexOf('first') + 2],
    ['inside a header', DUMP.indexOf('Type: TABLE DATA') + 5],
    ['inside the complete line', DUMP.indexOf('dump complete') + 3],
  ])('handles a split %s', async (_where, at) => {
    expectDump(await count([BUF.subarray(0, at), BUF.subarray(at)]));
  });

  it('accepts a CRLF terminator', async () => {
    const text = `${header('t', 'TABLE DATA', 'public')}COPY public.t (a) FROM stdin;\n1\n2\n\\.\r\n`;
    const counter = await count([Buffer.from(text)]);
    expect(counter.tables).toEqual([{ schema: 'public', name: 't', rows: 2 }]);
  });

  it('counts a multi-megabyte row as one row, whatever the chunking', async () => {
    const big = 'x'.repeat(3 * 1024 * 1024 + 17);
    const text =
      `${header('big', 'TABLE DATA', 'public')}COPY public.big (v) FROM stdin;\n1\t${big}\n2\tsmall\n\\.\n\n` +
      `${header('after', 'TABLE DATA', 'public')}COPY public.after (v) FROM stdin;\n1\n\\.\n` +
      '-- PostgreSQL database dump complete\n';
    for (const size of [65536, 1000003]) {
      const counter = await count(chunksOf(Buffer.from(text), size));
      expect(counter.tables).toEqual([
        { schema: 'public', name: 'big', rows: 2 },
        { schema: 'public', name: 'after', rows: 1 },
      ]);
      expect(counter.complete).toBe(true);
    }
  });

  it('uses the header schema when the COPY name is unqualified', async () => {
    const text = `${header('orders', 'TABLE DATA', 'sales')}COPY orders (id) FROM stdin;\n1\n\\.\n`;
    expect((await count([Buffer.from(text)])).tables).toEqual([
      { schema: 'sales', name: 'orders', rows: 1 },
    ]);
  });

  it('lists no table for a TABLE DATA entry written as INSERTs', async () => {
    const text = `${header('t', 'TABLE DATA', 'public')}INSERT INTO public.t VALUES (1);\nCOPY public.t (a) FROM stdin;\n1\n\\.\n`;
    const counter = await count([Buffer.from(text)]);
    expect(counter.tables).toEqual([]);
    expect(counter.totalRows()).toBe(0);
  });

  it('ignores comments, blank lines and psql meta-commands between header and COPY', async () => {
    const text = `${header('t', 'TABLE DATA', 'public')}-- note\n\n\\connect app\nCOPY public.t (a) FROM stdin;\n1\n\\.\n`;
    expect((await count([Buffer.from(text)])).tables).toEqual([
      { schema: 'public', name: 't', rows: 1 },
    ]);
  });

  it('is not complete without the closing comment', async () => {
    const text = DUMP.slice(0, DUMP.indexOf('-- PostgreSQL database dump complete'));
    const counter = await count([Buffer.from(text)]);
    expect(counter.tables).toEqual(EXPECTED);
    expect(counter.complete).toBe(false);
  });

  it('sees the closing comment without a final newline', async () => {
    const counter = await count([Buffer.from('-- PostgreSQL database dump complete')]);
    expect(counter.complete).toBe(true);
  });

  it('reads a terminator without a final newline as the end of the block', async () => {
    const text = `${header('t', 'TABLE DATA', 'public')}COPY public.t (a) FROM stdin;\n1\n\\.`;
    const counter = await count([Buffer.from(text)]);
    expect(counter.tables).toEqual([{ schema: 'public', name: 't', rows: 1 }]);
  });

  it.each([
    ['after a full row', `COPY public.t (a) FROM stdin;\n1\n2\n`],
    ['inside a row', `COPY public.t (a) FROM stdin;\n1\n2`],
    ['right after COPY', `COPY public.t (a) FROM stdin;\n`],
    ['inside the terminator', `COPY public.t (a) FROM stdin;\n1\n\\`],
  ])('fails on end when the input stops inside a COPY block (%s)', async (_where, tail) => {
    const text = `${header('t', 'TABLE DATA', 'public')}${tail}`;
    for (const size of [1, 3, text.length]) {
      await expect(count(chunksOf(Buffer.from(text), size))).rejects.toThrow(/truncated/);
    }
  });

  it('counts nothing for an empty stream', async () => {
    const counter = await count([]);
    expect(counter.tables).toEqual([]);
    expect(counter.totalRows()).toBe(0);
    expect(counter.complete).toBe(false);
  });
});

describe('parseCopyTarget', () => {
  it.each([
    ['public.orders (id, note) FROM stdin;', 'x', ['public', 'orders']],
    ['public.orders FROM stdin;', 'x', ['public', 'orders']],
    ['orders (id) FROM stdin;', 'sales', ['sales', 'orders']],
    ['"My.Schema"."My Table" (id)', 'x', ['My.Schema', 'My Table']],
    ['"we""ird"."x""y" FROM stdin;', 'x', ['we"ird', 'x"y']],
    ['public."Mixed.Case" (a)', 'x', ['public', 'Mixed.Case']],
    ['"s".t FROM stdin;', 'x', ['s', 't']],
    ['"only one" (a) FROM stdin;', 'fb', ['fb', 'only one']],
    ['café.thé (x)', 'x', ['café', 'thé']],
    ['"""".""""""', 'x', ['"', '""']],
    ['"unterminated', 'fb', ['fb', 'unterminated']],
  ] as [string, string, [string, string]][])('reads %s', (text, fallback, expected) => {
    expect(parseCopyTarget(text, fallback)).toEqual(expected);
  });
});
