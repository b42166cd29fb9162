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
import { entries } from './action-yml.mjs';

const args = process.argv.slice(2);
const check = args.includes('--check');
const rootAt = args.indexOf('--root');
const ROOT = rootAt >= 0 ? args[rootAt + 1] : join(fileURLToPath(import.meta.url), '..', '..');
const README = join(ROOT, 'README.md');
const ACTION = join(ROOT, 'action.yml');

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
