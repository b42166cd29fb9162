// COPY data passes the filter in whole-line pieces (passCopyLines), not line by line: the output,
// the line count psql's line numbers are matched with, and the objects found by line must be those
// of the line-by-line path, however the input is cut into chunks. One byte at a time takes the
// line-by-line path for every data line that is not empty: the reference.
import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { SqlFilter } from '../../../src/pipeline/sql-filter.js';

const RULES = {
  knownSettings: new Set(['search_path']),
  dropOwners: true,
  dropPrivileges: true,
  cascadeClean: false,
  dropTransactionControl: true,
  refuseMetaCommands: true,
};

interface Filtered {
  out: string;
  lines: number;
  objects: (string | undefined)[];
}

function filterIn(pieces: Buffer[]): Filtered {
  const filter = new SqlFilter(RULES, 3);
  const parts: Buffer[] = [];
  filter.on('data', (b: Buffer) => parts.push(b));
  for (const p of pieces) filter.write(p);
  filter.end();
  const out = Buffer.concat(parts).toString('latin1');
  const objects = Array.from({ length: filter.lines + 2 }, (_, i) => filter.objectAt(i));
  return { out, lines: filter.lines, objects };
}

function cut(data: Buffer, sizes: number[]): Buffer[] {
  const pieces: Buffer[] = [];
  let pos = 0;
  for (let i = 0; pos < data.length; i += 1) {
    const size = Math.max(1, sizes[i % sizes.length] ?? 1);
    pieces.push(data.subarray(pos, pos + size));
    pos += size;
  }
  return pieces;
}

const dataLine = fc.oneof(
  fc.constantFrom(
    '',
    '\\\\.',
    '\\.x',
    '1\t\\N',
    'a\\nb\tc',
    '\\\\',
    '.',
    '\\',
    'COPY x FROM stdin;',
  ),
  fc.string({ unit: 'binary-ascii', maxLength: 40 }).map((s) => s.replace(/\n/g, ' ')),
);

const table = fc.record({
  name: fc.constantFrom('t', 'orders', 'weird name'),
  rows: fc.array(dataLine, { maxLength: 12 }),
});

function sqlOf(tables: { name: string; rows: string[] }[]): string {
  const body = tables
    .map(
      ({ name, rows }, i) =>
        `--\n-- Data for Name: ${name}; Type: TABLE DATA; Schema: public; Owner: app\n--\n\nCOPY public."${name}${i}" (a, b) FROM stdin;\n${rows.map((r) => `${r}\n`).join('')}\\.\n\n\nSELECT ${i};\n`,
    )
    .join('');
  return `SET search_path = public;\n${body}-- done\n`;
}

describe('SqlFilter: COPY data in whole-line pieces', () => {
  it('gives the output, line count and objects of the line-by-line path for any chunking', () => {
    fc.assert(
      fc.property(
        fc.array(table, { minLength: 1, maxLength: 4 }),
        fc.array(fc.integer({ min: 1, max: 64 }), { minLength: 1, maxLength: 8 }),
        (tables, sizes) => {
          const data = Buffer.from(sqlOf(tables), 'latin1');
          const reference = filterIn(cut(data, [1]));
          expect(filterIn([data])).toEqual(reference);
          expect(filterIn(cut(data, sizes))).toEqual(reference);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('passes 1,000 data rows in one chunk whole and counts each line', () => {
    const rows = Array.from({ length: 1000 }, (_, i) => `${i}\tname ${i}\n`).join('');
    const data = Buffer.from(`COPY public.t (a, b) FROM stdin;\n${rows}\\.\nSELECT 1;\n`);
    const filter = new SqlFilter(RULES);
    const pieces: Buffer[] = [];
    filter.on('data', (b: Buffer) => pieces.push(b));
    filter.write(data);
    filter.end();
    expect(Buffer.concat(pieces).toString()).toBe(data.toString());
    expect(filter.lines).toBe(1003);
  });
});
