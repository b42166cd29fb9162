// The tier's own tools, without a server: the port of pg_upgrade's adjust_regress_dumpfile and the
// line diff that counts the differing lines.
import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { adjustRegressDumpfile, diffLines, type DiffLine } from '../helpers/adjust-dump.js';

const ORIGINAL = [
  'CREATE TABLE generated_stored_tests.gtestxx_4 (',
  '    b integer,',
  '    a integer NOT NULL',
  ')',
  'INHERITS (generated_stored_tests.gtest1);',
  '',
  '',
  'CREATE TABLE public.test_type_diff2_c1 (',
  '    int_four bigint,',
  '    int_eight bigint,',
  '    int_two smallint',
  ')',
  'INHERITS (public.test_type_diff2);',
  'CREATE TABLE public.test_type_diff2_c2 (',
  '    int_eight bigint,',
  '    int_two smallint,',
  '    int_four bigint',
  ')',
  'INHERITS (public.test_type_diff2);',
  'COPY public.b_star (class, aa, bb, a) FROM stdin;',
  'b\t3\tmumble\t\\N',
  '\\.',
  'COPY public.b_star_keep (x) FROM stdin;',
  '1',
  '\\.',
  'COPY public.b_star (class, aa, bb, a) FROM stdin;',
  'b\t4\tsecond\t\\N',
  '\\.',
  '',
].join('\r\n');

describe('adjustRegressDumpfile (AdjustDump.pm)', () => {
  it('reorders the child columns of the original, removes the first COPY of each listed table, and drops blank lines', () => {
    expect(adjustRegressDumpfile(ORIGINAL, true).split('\n')).toEqual([
      'CREATE TABLE generated_stored_tests.gtestxx_4 (',
      '    a integer NOT NULL,',
      '    b integer',
      ')',
      'INHERITS (generated_stored_tests.gtest1);',
      'CREATE TABLE public.test_type_diff2_c1 (',
      '    int_two smallint,',
      '    int_four bigint,',
      '    int_eight bigint',
      ')',
      'INHERITS (public.test_type_diff2);',
      'CREATE TABLE public.test_type_diff2_c2 (',
      '    int_two smallint,',
      '    int_four bigint,',
      '    int_eight bigint',
      ')',
      'INHERITS (public.test_type_diff2);',
      // Only the first COPY of a listed table goes (the Perl's s///sm is not global).
      'COPY public.b_star_keep (x) FROM stdin;',
      '1',
      '\\.',
      'COPY public.b_star (class, aa, bb, a) FROM stdin;',
      'b\t4\tsecond\t\\N',
      '\\.',
      '',
    ]);
  });

  it('leaves the column order of a restored copy alone', () => {
    const restored = adjustRegressDumpfile(ORIGINAL, false);
    expect(restored).toContain('(\n    b integer,\n    a integer NOT NULL\n)');
    expect(restored).toContain(
      '(\n    int_four bigint,\n    int_eight bigint,\n    int_two smallint\n)',
    );
  });
});

/** Length of the longest common subsequence, by dynamic programming. */
function lcs(a: string[], b: string[]): number {
  let prev = new Array<number>(b.length + 1).fill(0);
  for (const x of a) {
    const row = [0];
    b.forEach((y, j) =>
      row.push(x === y ? (prev[j] ?? 0) + 1 : Math.max(prev[j + 1] ?? 0, row[j] ?? 0)),
    );
    prev = row;
  }
  return prev[b.length] ?? 0;
}

/** Applies a diff to `a`: drops its `-` lines and inserts the `+` lines at their places in `b`. */
function apply(a: string[], diff: DiffLine[], bLength: number): string[] {
  const removed = new Set(diff.filter((d) => d.op === '-').map((d) => d.lineNo));
  const kept = a.filter((_, i) => !removed.has(i + 1));
  const added = new Map(diff.filter((d) => d.op === '+').map((d) => [d.lineNo, d.line]));
  const out: string[] = [];
  for (let i = 1; i <= bLength; i++) out.push(added.get(i) ?? (kept.shift() as string));
  return out;
}

describe('diffLines', () => {
  it('is empty for equal texts and names the line that changed', () => {
    expect(diffLines('a\nb\nc', 'a\nb\nc')).toEqual([]);
    expect(diffLines('a\nb\nc', 'a\nB\nc')).toEqual([
      { op: '-', lineNo: 2, line: 'b' },
      { op: '+', lineNo: 2, line: 'B' },
    ]);
  });

  it('is a minimal edit script that turns the first text into the second', () => {
    const lines = fc.array(fc.constantFrom('x', 'y', 'z', 'GRANT', '--'), { maxLength: 30 });
    fc.assert(
      fc.property(lines, lines, (a, b) => {
        const diff = diffLines(a.join('\n'), b.join('\n'));
        const [left, right] = [a.join('\n').split('\n'), b.join('\n').split('\n')];
        expect(diff.length).toBe(left.length + right.length - 2 * lcs(left, right));
        expect(apply(left, diff, right.length)).toEqual(right);
      }),
      { numRuns: 300 },
    );
  });
});
