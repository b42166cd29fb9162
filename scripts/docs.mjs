#!/usr/bin/env node
// Generates README.md's inputs and outputs tables from action.yml, between the marker comments
// <!-- inputs:start --> / <!-- inputs:end --> and <!-- outputs:start --> / <!-- outputs:end -->.
// action.yml is the one place names, defaults and descriptions are written.
//
//   node scripts/docs.mjs            rewrite the tables in README.md
//   node scripts/docs.mjs --check    exit 1, with a diff, when README.md differs from action.yml
//   --root DIR                       use DIR/action.yml and DIR/README.md (tests)
//
// The tables go through prettier (the repository's config), so `prettier --check` and `--check`
// agree on the same README.
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as prettier from 'prettier';

const args = process.argv.slice(2);
const check = args.includes('--check');
const rootAt = args.indexOf('--root');
const ROOT = rootAt >= 0 ? args[rootAt + 1] : join(fileURLToPath(import.meta.url), '..', '..');
const README = join(ROOT, 'README.md');
const ACTION = join(ROOT, 'action.yml');

/** A YAML scalar as action.yml writes it: 'single', "double" (no escapes used) or plain. */
function scalar(text, where) {
  const value = text.trim();
  const single = /^'(.*)'$/.exec(value);
  if (single) return single[1].replace(/''/g, "'");
  const double = /^"(.*)"$/.exec(value);
  if (double) {
    if (double[1].includes('\\')) throw new Error(`${where}: escapes in "…" are not supported`);
    return double[1];
  }
  if (/^['"|>]/.test(value)) throw new Error(`${where}: write the value on one line, quoted`);
  return value;
}

/**
 * The entries of a top-level block of action.yml (`inputs:` or `outputs:`): name and fields.
 * Only the shape action.yml uses (two-space names, four-space one-line fields); anything else
 * fails, so that a new form is noticed rather than silently left out of the README.
 * @param {string} yaml
 * @param {string} block
 * @returns {Record<string, string>[]} each entry's `name` and one-line fields
 */
function entries(yaml, block) {
  const lines = yaml.split('\n');
  const start = lines.findIndex((l) => l === `${block}:`);
  if (start < 0) throw new Error(`action.yml has no top-level ${block}:`);
  const found = [];
  for (let i = start + 1; i < lines.length && !/^\S/.test(lines[i]); i += 1) {
    const line = lines[i];
    if (line.trim() === '' || /^\s*#/.test(line)) continue;
    const name = /^ {2}([a-z0-9-]+):\s*$/.exec(line);
    const field = /^ {4}([a-z-]+):\s*(.*)$/.exec(line);
    if (name) found.push({ name: name[1] });
    else if (field && found.length)
      found[found.length - 1][field[1]] = scalar(field[2], `action.yml:${i + 1}`);
    else throw new Error(`action.yml:${i + 1}: unexpected line in ${block}: ${line.trim()}`);
  }
  return found;
}

/** Text for a table cell: pipes escaped, `<…>` kept visible, no line breaks. */
function cell(text) {
  return text
    .replace(/\s+/g, ' ')
    .replace(/\\/g, '\\\\')
    .replace(/\|/g, '\\|')
    .replace(/\*/g, '\\*')
    .replace(/</g, '&lt;');
}

function code(text) {
  return text === '' ? '' : `\`${text}\``;
}

async function table(header, rows) {
  const markdown = [
    `| ${header.join(' | ')} |`,
    `| ${header.map(() => '---').join(' | ')} |`,
    ...rows.map((r) => `| ${r.join(' | ')} |`),
  ].join('\n');
  const options = (await prettier.resolveConfig(README)) ?? {};
  return (await prettier.format(markdown, { ...options, parser: 'markdown' })).trimEnd();
}

async function generated(yaml) {
  const inputs = entries(yaml, 'inputs').map((i) => [
    code(i.name),
    code(i.default ?? ''),
    cell(i.description ?? ''),
  ]);
  const outputs = entries(yaml, 'outputs').map((o) => [code(o.name), cell(o.description ?? '')]);
  return {
    inputs: await table(['input', 'default', 'description'], inputs),
    outputs: await table(['output', 'description'], outputs),
  };
}

/** README with the text between the `name` markers replaced by `body`. */
function replaceBetween(readme, name, body) {
  const start = `<!-- ${name}:start -->`;
  const end = `<!-- ${name}:end -->`;
  const from = readme.indexOf(start);
  const to = readme.indexOf(end);
  if (from < 0 || to < from)
    throw new Error(`README.md needs the markers ${start} and ${end}, in that order`);
  return `${readme.slice(0, from + start.length)}\n\n${body}\n\n${readme.slice(to)}`;
}

/** A table line without its alignment: padding and the width of `---` rules left out. */
function unpadded(line) {
  return line.replace(/ {2,}/g, ' ').replace(/-{3,}/g, '---');
}

/**
 * A line diff (longest common subsequence) as `-`/`+` lines with README line numbers. Lines that
 * differ only in their padding count as equal, so a longer description shows as its own row, not
 * as the whole re-aligned table.
 */
function diff(before, after) {
  const a = before.split('\n').map(unpadded);
  const b = after.split('\n').map(unpadded);
  const [rawA, rawB] = [before.split('\n'), after.split('\n')];
  const lcs = Array.from({ length: a.length + 1 }, () => new Array(b.length + 1).fill(0));
  for (let i = a.length - 1; i >= 0; i -= 1)
    for (let j = b.length - 1; j >= 0; j -= 1)
      lcs[i][j] = a[i] === b[j] ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
  const out = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (i < a.length && j < b.length && a[i] === b[j]) {
      i += 1;
      j += 1;
    } else if (i < a.length && (j === b.length || lcs[i + 1][j] >= lcs[i][j + 1])) {
      out.push(`- README.md:${i + 1}: ${rawA[i]}`);
      i += 1;
    } else {
      out.push(`+ README.md:${j + 1}: ${rawB[j]}`);
      j += 1;
    }
  }
  return out;
}

const yaml = await readFile(ACTION, 'utf8');
const readme = await readFile(README, 'utf8');
const tables = await generated(yaml);
const next = replaceBetween(
  replaceBetween(readme, 'inputs', tables.inputs),
  'outputs',
  tables.outputs,
);

if (check) {
  if (next === readme) {
    process.stdout.write('README.md inputs and outputs tables match action.yml.\n');
  } else {
    const lines = diff(readme, next);
    if (!lines.length) lines.push('  (only the column alignment differs)');
    process.stdout.write(
      `README.md's inputs/outputs tables differ from action.yml (- README now, + generated):\n` +
        `${lines.join('\n')}\nRun \`npm run docs\` to regenerate them.\n`,
    );
    process.exit(1);
  }
} else if (next !== readme) {
  await writeFile(README, next);
  process.stdout.write('README.md: inputs and outputs tables regenerated from action.yml.\n');
} else {
  process.stdout.write('README.md: inputs and outputs tables already match action.yml.\n');
}
