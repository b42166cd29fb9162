// A small reader of SQL text as psql reads it: quotes, dollar quotes, comments and statement ends.
// It lets the action run a user's SQL through psql as plain SQL and nothing else.

/** One statement of SQL text: its words before the first quote, and the line it starts on. */
export interface SqlStatement {
  head: string;
  line: number;
}

/** What the reader found: the statements, and the first problem (a backslash, an open quote). */
export interface SqlScan {
  statements: SqlStatement[];
  /** Whether the text ends inside a statement (no `;` after its last words). */
  open: boolean;
  problem?: string;
}

type Mode = 'code' | 'single' | 'double' | 'line' | 'block';

/** The state of the scan as it walks the text. */
interface Walk {
  text: string;
  at: number;
  line: number;
  mode: Mode;
  tag?: string;
  depth: number;
  head: string;
  headStart: number;
  headDone?: boolean;
  scan: SqlScan;
}

/** Reads SQL text; stops at the first backslash outside quotes and comments (a psql meta-command). */
export function scanSql(text: string): SqlScan {
  const scan: SqlScan = { statements: [], open: false };
  const w: Walk = { text, at: 0, line: 1, mode: 'code', depth: 0, head: '', headStart: 1, scan };
  w.headDone = false;
  while (w.at < text.length && !w.scan.problem) step(w);
  if (!w.scan.problem && (w.tag !== undefined || (w.mode !== 'code' && w.mode !== 'line')))
    w.scan.problem = `it ends inside ${w.tag ? `the dollar quote ${w.tag}` : describeMode(w.mode)}`;
  endStatement(w);
  return w.scan;
}

function describeMode(mode: Mode): string {
  return { single: "a '…' string", double: 'a "…" name', block: 'a /* … */ comment' }[
    mode as 'single'
  ];
}

function step(w: Walk): void {
  const c = w.text[w.at] ?? '';
  if (c === '\n') w.line += 1;
  if (w.tag !== undefined) return void (w.text.startsWith(w.tag, w.at) ? closeTag(w) : w.at++);
  if (w.mode === 'code') return code(w, c);
  if (w.mode === 'line') w.mode = c === '\n' ? 'code' : 'line';
  else if (w.mode === 'single' && c === "'") w.mode = 'code';
  else if (w.mode === 'double' && c === '"') w.mode = 'code';
  else if (w.mode === 'block') return block(w);
  w.at += 1;
}

function closeTag(w: Walk): void {
  w.at += w.tag?.length ?? 1;
  w.tag = undefined;
}

function block(w: Walk): void {
  const two = w.text.slice(w.at, w.at + 2);
  if (two === '/*') w.depth += 1;
  if (two === '*/') w.depth -= 1;
  if (two === '*/' && w.depth === 0) w.mode = 'code';
  w.at += two === '/*' || two === '*/' ? 2 : 1;
}

function code(w: Walk, c: string): void {
  const two = w.text.slice(w.at, w.at + 2);
  const tag = c === '$' && !/[\w$]/.test(w.text[w.at - 1] ?? '') ? dollarTag(w) : undefined;
  if (c === '\\')
    w.scan.problem = `line ${w.line} has a backslash outside quotes (psql would run it as a meta-command)`;
  else if (tag) word(w, tag, () => (w.tag = tag));
  else if (two === '--') w.mode = 'line';
  else if (two === '/*') [w.mode, w.depth] = ['block', 1];
  else if (c === "'" || c === '"') word(w, c, () => (w.mode = c === "'" ? 'single' : 'double'));
  else if (c === ';') endStatement(w);
  else word(w, c);
  w.at += tag?.length ?? (two === '/*' ? 2 : 1);
}

function dollarTag(w: Walk): string | undefined {
  return /^\$[A-Za-z_]*\$/.exec(w.text.slice(w.at, w.at + 64))?.[0];
}

/** Adds code to the statement's head; a quote ends the head (its words are all that matter). */
function word(w: Walk, c: string, then?: () => void): void {
  if (!w.head.trim()) w.headStart = w.line;
  if (then) w.headDone = w.headDone || w.head.trim() !== '';
  if (!w.headDone) w.head += then ? ' ' : c;
  then?.();
}

function endStatement(w: Walk): void {
  const head = w.head.trim().replace(/\s+/g, ' ');
  if (head) w.scan.statements.push({ head, line: w.headStart });
  w.scan.open = head !== '' && w.at >= w.text.length;
  [w.head, w.headDone] = ['', false];
}
