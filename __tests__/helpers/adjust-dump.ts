/**
 * pg_upgrade's dump filter and a line diff: what it takes to compare a plain dump of PostgreSQL's
 * `regression` database with a dump of a restored copy.
 *
 * adjustRegressDumpfile is a port of adjust_regress_dumpfile in PostgreSQL's
 * src/test/perl/PostgreSQL/Test/AdjustDump.pm (18.6), used by src/bin/pg_upgrade/t/002_pg_upgrade.pl
 * on dumps taken with `pg_dump --no-sync --restrict-key=test`: the source dump with
 * adjustChildColumns true, the restored one with false.
 */

/**
 * Child tables whose inherited columns the regression tests put in another order than their
 * parents'; a restore puts them in the parent's order. [table, columns as in the original dump,
 * the order they take after a restore] (the Perl's capture groups and replacement).
 */
const CHILD_COLUMNS: readonly [string, readonly string[], readonly number[]][] = [
  ['generated_stored_tests\\.gtestxx_4', ['b\\sinteger', 'a\\sinteger\\sNOT\\sNULL'], [1, 0]],
  ['generated_virtual_tests\\.gtestxx_4', ['b\\sinteger', 'a\\sinteger\\sNOT\\sNULL'], [1, 0]],
  [
    'public\\.test_type_diff2_c1',
    ['int_four\\sbigint', 'int_eight\\sbigint', 'int_two\\ssmallint'],
    [2, 0, 1],
  ],
  [
    'public\\.test_type_diff2_c2',
    ['int_eight\\sbigint', 'int_two\\ssmallint', 'int_four\\sbigint'],
    [1, 2, 0],
  ],
];

/** Tables whose COPY has a column order that differs after a restore: their COPY is removed. */
const COPY_REMOVED: readonly string[] = [
  'public\\.b_star',
  'public\\.c_star',
  'public\\.cc2',
  'public\\.d_star',
  'public\\.e_star',
  'public\\.f_star',
  'public\\.renamecolumnanother',
  'public\\.renamecolumnchild',
  'public\\.test_type_diff2_c1',
  'public\\.test_type_diff2_c2',
  'public\\.test_type_diff_c',
];

/** `s/(^CREATE\sTABLE\s<table>\s\()(\n\s+col1),(\n\s+col2).../$1$a,$b.../mg` of the Perl. */
function reorderChildColumns(dump: string): string {
  return CHILD_COLUMNS.reduce((text, [table, columns, order]) => {
    const pattern = new RegExp(
      `(^CREATE\\sTABLE\\s${table}\\s\\()${columns.map((c) => `(\\n\\s+${c})`).join(',')}`,
      'mg',
    );
    return text.replace(pattern, (_m, head: string, ...groups: unknown[]) => {
      const cols = groups.slice(0, columns.length) as string[];
      return head + order.map((i) => cols[i]).join(',');
    });
  }, dump);
}

/**
 * Edits a plain dump of the regression database to remove the known differences to a dump taken
 * after restoring it: child-table column order (only with adjustChildColumns, for the original),
 * the COPY of the tables whose column order differs, Windows newlines, and blank lines.
 */
export function adjustRegressDumpfile(dump: string, adjustChildColumns: boolean): string {
  let text = dump.replace(/\r\n/g, '\n');
  if (adjustChildColumns) text = reorderChildColumns(text);
  for (const table of COPY_REMOVED) {
    // The Perl's s/^COPY $table \(.+?^\\\.$//sm: the first such COPY, up to its "\." line.
    text = text.replace(new RegExp(`^COPY ${table} \\(.+?^\\\\\\.$`, 'sm'), '');
  }
  return text.replace(/\n\n+/g, '\n');
}

/** One line of a diff: removed from the first text (`-`) or added in the second (`+`). */
export interface DiffLine {
  op: '-' | '+';
  /** 1-based line number in the text it belongs to. */
  lineNo: number;
  line: string;
}

/** Beyond this many differing lines the diff is a multiset difference, not a minimal edit script. */
const MAX_EDIT_DISTANCE = 4000;

/**
 * The lines that differ between two texts, in order: a minimal line diff (Myers) of what lies
 * between their common head and tail. Empty when the texts have the same lines.
 */
export function diffLines(a: string, b: string): DiffLine[] {
  const left = a.split('\n');
  const right = b.split('\n');
  let head = 0;
  while (head < left.length && head < right.length && left[head] === right[head]) head++;
  let tail = 0;
  while (
    tail < left.length - head &&
    tail < right.length - head &&
    left[left.length - 1 - tail] === right[right.length - 1 - tail]
  )
    tail++;
  const x = left.slice(head, left.length - tail);
  const y = right.slice(head, right.length - tail);
  const edits = myers(x, y) ?? multisetDiff(x, y);
  return edits.map((e) => ({ ...e, lineNo: e.lineNo + head + 1 }));
}

/** Myers' O((N+M)D) diff; lineNo 0-based in its own side. Undefined when D > MAX_EDIT_DISTANCE. */
function myers(a: readonly string[], b: readonly string[]): DiffLine[] | undefined {
  const n = a.length;
  const m = b.length;
  const max = Math.min(n + m, MAX_EDIT_DISTANCE);
  const offset = max + 1;
  const v = new Int32Array(2 * max + 3);
  const trace: Int32Array[] = [];
  for (let d = 0; d <= max; d++) {
    for (let k = -d; k <= d; k += 2) {
      let x =
        k === -d || (k !== d && v[offset + k - 1] < v[offset + k + 1])
          ? v[offset + k + 1]
          : v[offset + k - 1] + 1;
      let y = x - k;
      while (x < n && y < m && a[x] === b[y]) {
        x++;
        y++;
      }
      v[offset + k] = x;
      if (x >= n && y >= m) {
        trace.push(v.slice(offset - d, offset + d + 1));
        return backtrack(a, b, trace);
      }
    }
    trace.push(v.slice(offset - d, offset + d + 1));
  }
  return undefined;
}

/** Walks the saved V arrays back from (n, m), collecting one edit per step. */
function backtrack(a: readonly string[], b: readonly string[], trace: Int32Array[]): DiffLine[] {
  const edits: DiffLine[] = [];
  let x = a.length;
  let y = b.length;
  for (let d = trace.length - 1; d > 0; d--) {
    const prev = trace[d - 1]; // index k + (d - 1)
    const at = (k: number): number => prev[k + d - 1];
    const k = x - y;
    const down = k === -d || (k !== d && at(k - 1) < at(k + 1));
    const prevK = down ? k + 1 : k - 1;
    const prevX = at(prevK);
    const prevY = prevX - prevK;
    if (down) edits.push({ op: '+', lineNo: prevY, line: b[prevY] });
    else edits.push({ op: '-', lineNo: prevX, line: a[prevX] });
    x = prevX;
    y = prevY;
  }
  return edits.reverse();
}

/** Lines of `a` not matched in `b` and the other way round, counted with multiplicity. */
function multisetDiff(a: readonly string[], b: readonly string[]): DiffLine[] {
  const counts = new Map<string, number>();
  for (const line of b) counts.set(line, (counts.get(line) ?? 0) + 1);
  const removed: DiffLine[] = [];
  a.forEach((line, i) => {
    const c = counts.get(line) ?? 0;
    if (c > 0) counts.set(line, c - 1);
    else removed.push({ op: '-', lineNo: i, line });
  });
  const added: DiffLine[] = [];
  b.forEach((line, i) => {
    const c = counts.get(line) ?? 0;
    if (c > 0) {
      counts.set(line, c - 1);
      added.push({ op: '+', lineNo: i, line });
    }
  });
  return [...removed, ...added];
}

/** The first `max` differing lines as a unified-diff-like excerpt, for assertion messages. */
export function formatDiff(diff: readonly DiffLine[], max = 40): string {
  const shown = diff.slice(0, max).map((d) => `${d.op}${d.lineNo}: ${d.line}`);
  const more = diff.length > max ? [`… and ${diff.length - max} more`] : [];
  return [...shown, ...more].join('\n');
}
