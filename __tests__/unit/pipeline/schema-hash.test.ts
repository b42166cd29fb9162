// The schema fingerprint on SQL text as pg_dump 18 / `pg_restore -f -` writes it: comments,
// `\restrict` keys and data entries (COPY rows, large objects, sequence positions) are left out;
// every statement of the schema counts; the TOC headers are counted as objects.
import { finished } from 'node:stream/promises';
import { describe, expect, it } from '@jest/globals';
import { RowCounter } from '../../../src/pipeline/row-count.js';
import { SchemaHash } from '../../../src/pipeline/schema-hash.js';
import { chunksOf } from '../../helpers/unit-support.js';

interface Variant {
  key?: string;
  version?: string;
  rows?: string[];
  seq?: number;
  blob?: string;
  defaultValue?: string;
}

const entry = (name: string, type: string, body: string, data = false) =>
  `--\n-- ${data ? 'Data for ' : ''}Name: ${name}; Type: ${type}; Schema: public; Owner: app\n--\n\n${body}\n\n`;

/** A dump of one database; the variant changes what differs between two runs or states. */
function dump(v: Variant = {}): string {
  const key = v.key ?? 'OjWhJcSRE55sjJth7fPhqs3HumtLuXheFZACc0iY126CVsT09TGGeNgYSxN6BOe';
  return [
    `--\n-- PostgreSQL database dump\n--\n\n\\restrict ${key}\n\n`,
    `-- Dumped from database version ${v.version ?? '18.4'}\n-- Dumped by pg_dump version 18.6\n\n`,
    "SET statement_timeout = 0;\nSET client_encoding = 'UTF8';\n\n",
    entry('sq', 'SEQUENCE', 'CREATE SEQUENCE public.sq\n    START WITH 1\n    CACHE 1;'),
    '-- TOC entry 215 (class 1259 OID 16385)\n-- Dependencies: 5\n',
    entry(
      't',
      'TABLE',
      `CREATE TABLE public.t (\n    i integer DEFAULT ${v.defaultValue ?? '1'},\n    s text\n);`,
    ),
    entry(
      't',
      'TABLE DATA',
      `COPY public.t (i, s) FROM stdin;\n${(v.rows ?? ['1\ta']).map((r) => `${r}\n`).join('')}\\.\n`,
      true,
    ),
    entry('sq', 'SEQUENCE SET', `SELECT pg_catalog.setval('public.sq', ${v.seq ?? 1}, false);`),
    entry(
      v.blob ?? '16398',
      'BLOB METADATA',
      `SELECT pg_catalog.lo_create('${v.blob ?? '16398'}');`,
    ),
    entry(
      v.blob ?? '16398',
      'BLOBS',
      `BEGIN;\n\nSELECT pg_catalog.lo_open('${v.blob ?? '16398'}', 131072);\nCOMMIT;`,
      true,
    ),
    entry('t_i_idx', 'INDEX', 'CREATE INDEX t_i_idx ON public.t USING btree (i);'),
    '--\n-- PostgreSQL database dump complete\n--\n\n',
    `\\unrestrict ${key}\n\n`,
  ].join('');
}

async function fingerprint(text: string, chunk = text.length) {
  const counter = new RowCounter();
  for (const part of chunksOf(Buffer.from(text), Math.max(1, chunk))) counter.write(part);
  counter.end();
  await finished(counter);
  return counter.schema.fingerprint();
}

function hashLines(lines: string[]) {
  const hash = new SchemaHash();
  for (const line of lines) hash.line(line);
  return hash.fingerprint();
}

describe('SchemaHash', () => {
  it('gives the same fingerprint for the same text, in any chunking', async () => {
    const one = await fingerprint(dump());
    expect(one.sha256).toMatch(/^[0-9a-f]{64}$/);
    for (const size of [1, 7, 64]) expect(await fingerprint(dump(), size)).toEqual(one);
  });

  it('counts every TOC entry, data entries included', async () => {
    expect((await fingerprint(dump())).objects).toBe(7);
  });

  it('leaves out the random \\restrict key, comments and versions', async () => {
    const base = await fingerprint(dump());
    expect(await fingerprint(dump({ key: 'AaCpA9Nsd05gra46Ocep7ZyB8GY5Bgj4oiLbKR' }))).toEqual(
      base,
    );
    expect(await fingerprint(dump({ version: '18.5' }))).toEqual(base);
    const withoutToc = dump().replace(
      '-- TOC entry 215 (class 1259 OID 16385)\n-- Dependencies: 5\n',
      '',
    );
    expect(await fingerprint(withoutToc)).toEqual(base);
  });

  it('leaves out COPY rows, sequence positions and large objects', async () => {
    const base = await fingerprint(dump());
    expect(await fingerprint(dump({ rows: ['1\ta', '2\tb', '3\tc'] }))).toEqual(base);
    expect(await fingerprint(dump({ rows: [] }))).toEqual(base);
    expect(await fingerprint(dump({ seq: 42 }))).toEqual(base);
    expect(await fingerprint(dump({ blob: '16999' }))).toEqual(base);
  });

  it('changes with a column default', async () => {
    const base = await fingerprint(dump());
    const changed = await fingerprint(dump({ defaultValue: '2' }));
    expect(changed.sha256).not.toBe(base.sha256);
    expect(changed.objects).toBe(base.objects);
  });

  it('changes with a SET line and with a statement, not with blank lines', () => {
    const base = hashLines(['SET a = 1;', 'CREATE TABLE x ();']);
    expect(hashLines(['SET a = 1;', '', 'CREATE TABLE x ();', ''])).toEqual(base);
    expect(hashLines(['SET a = 2;', 'CREATE TABLE x ();']).sha256).not.toBe(base.sha256);
    expect(hashLines(['SET a = 1;', 'CREATE TABLE y ();']).sha256).not.toBe(base.sha256);
    // line boundaries count: two statements are not their concatenation
    expect(hashLines(['SET a = 1;CREATE TABLE x ();']).sha256).not.toBe(base.sha256);
  });

  it('hashes schema statements after a data entry again', () => {
    const data = '-- Data for Name: t; Type: TABLE DATA; Schema: public; Owner: app';
    const index = '-- Name: i; Type: INDEX; Schema: public; Owner: app';
    const a = hashLines([data, 'ignored', index, 'CREATE INDEX i ON t (a);']);
    const b = hashLines([data, 'other', index, 'CREATE INDEX i ON t (b);']);
    expect(a.sha256).not.toBe(b.sha256);
    expect(a.objects).toBe(2);
  });

  it('keeps its fingerprint once taken', () => {
    const hash = new SchemaHash();
    hash.line('CREATE TABLE x ();');
    const first = hash.fingerprint();
    hash.line('CREATE TABLE y ();');
    expect(hash.fingerprint()).toEqual(first);
  });
});
