#!/usr/bin/env node
// Pins every `uses:` line of this action in README.md, docs/**/*.md and examples/**/*.yml to one
// full commit SHA with the version as a comment, as organisations that require SHA pinning need:
//
//   uses: postgres-backup-action/postgres-backup-action@<40-hex sha> # v1.2.3
//
//   node scripts/pin-uses.mjs                          the commit of HEAD and package.json's version
//   node scripts/pin-uses.mjs --sha SHA --version v1.2.3   (the release workflow, after tagging)
//   node scripts/pin-uses.mjs --check                  exit 1, naming each line, when a line of the
//                                                      action is not pinned, or the lines disagree
//   --root DIR                                         another checkout (tests)
//
// The published name comes from package.json's `repository`, so it is written once.
import { execFileSync } from 'node:child_process';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const args = process.argv.slice(2);
const option = (name) => {
  const at = args.indexOf(name);
  return at >= 0 ? args[at + 1] : undefined;
};
const ROOT = option('--root') ?? join(fileURLToPath(import.meta.url), '..', '..');
const check = args.includes('--check');

/** `owner/name` of package.json's `repository` (a string or `{url}`, GitHub URL or shorthand). */
function publishedName(pkg) {
  const url = typeof pkg.repository === 'string' ? pkg.repository : pkg.repository?.url;
  const name = /(?:github\.com[/:]|^github:|^)([\w.-]+\/[\w.-]+?)(?:\.git)?$/.exec(url ?? '')?.[1];
  if (!name) throw new Error('package.json needs "repository": the action\'s GitHub owner/name');
  return name;
}

/** Every file whose `uses:` lines are pinned, relative to ROOT. */
async function files() {
  const found = ['README.md'];
  for (const [dir, ext] of [
    ['docs', '.md'],
    ['examples', '.yml'],
  ]) {
    const entries = await readdir(join(ROOT, dir), { recursive: true }).catch(() => []);
    found.push(...entries.filter((e) => e.endsWith(ext)).map((e) => join(dir, e)));
  }
  return found.sort();
}

/** `uses:` lines naming an action called postgres-backup-action (any owner, any ref). */
const USES = /^(\s*(?:-\s+)?uses:\s*)(['"]?)([\w.-]+\/postgres-backup-action)@([^\s'"#]+)\2(.*)$/;
const PINNED = /^[0-9a-f]{40}$/;
const COMMENT = /^ # (v\d+\.\d+\.\d+\S*(?: \([^)]*\))?)$/;

/** The `uses:` lines of one text: {line (1-based), name, ref, comment, rest}. */
function usesLines(text) {
  return text.split('\n').flatMap((line, i) => {
    const m = USES.exec(line);
    return m ? [{ line: i + 1, name: m[3], ref: m[4], rest: m[5] }] : [];
  });
}

/** What is wrong with one line, or undefined. */
function problem(use, name) {
  if (use.name !== name) return `names ${use.name}, not ${name}`;
  if (!PINNED.test(use.ref)) return `is @${use.ref}, not a full commit SHA`;
  if (!COMMENT.test(use.rest)) return `has no version comment (" # vX.Y.Z")`;
  return undefined;
}

function isCommit(sha) {
  try {
    execFileSync('git', ['-C', ROOT, 'cat-file', '-e', `${sha}^{commit}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

async function runCheck(name) {
  const found = [];
  const pins = new Set();
  let count = 0;
  for (const file of await files()) {
    for (const use of usesLines(await readFile(join(ROOT, file), 'utf8'))) {
      count += 1;
      const wrong = problem(use, name);
      if (wrong)
        found.push(`${file}:${use.line}: uses: ${use.name}@${use.ref}${use.rest} ${wrong}`);
      else pins.add(`${use.ref}${use.rest}`);
    }
  }
  if (pins.size > 1)
    found.push(`the lines pin ${pins.size} different refs: ${[...pins].join(', ')}`);
  for (const pin of pins) {
    const sha = pin.slice(0, 40);
    if (!isCommit(sha))
      found.push(
        `${sha} is not a commit of this repository (a shallow clone? git fetch --unshallow)`,
      );
  }
  if (count === 0) found.push(`no uses: line of ${name} found`);
  if (found.length) {
    process.stdout.write(
      `${found.join('\n')}\nRun \`node scripts/pin-uses.mjs --sha SHA --version vX.Y.Z\` to pin them.\n`,
    );
    process.exit(1);
  }
  process.stdout.write(`${count} uses: line(s) of ${name} pinned to ${[...pins][0]}.\n`);
}

async function rewrite(name, sha, version) {
  if (!PINNED.test(sha)) throw new Error(`--sha must be a full 40-hex commit SHA, not ${sha}`);
  if (!COMMENT.test(` # ${version}`))
    throw new Error(`--version must look like v1.2.3, not ${version}`);
  let changed = 0;
  for (const file of await files()) {
    const path = join(ROOT, file);
    const text = await readFile(path, 'utf8');
    const next = text
      .split('\n')
      .map((line) => {
        const m = USES.exec(line);
        return m ? `${m[1]}${name}@${sha} # ${version}` : line;
      })
      .join('\n');
    if (next !== text) {
      await writeFile(path, next);
      changed += 1;
      process.stdout.write(`${relative(ROOT, path)}: pinned to ${sha} # ${version}\n`);
    }
  }
  if (!changed) process.stdout.write(`Every uses: line already pins ${sha} # ${version}.\n`);
}

const pkg = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8'));
const name = publishedName(pkg);
if (check) await runCheck(name);
else {
  const sha =
    option('--sha') ??
    execFileSync('git', ['-C', ROOT, 'rev-parse', 'HEAD'], { encoding: 'utf8' }).trim();
  await rewrite(name, sha, option('--version') ?? `v${pkg.version}`);
}
