#!/usr/bin/env node
// Generates src/cli/action-inputs.ts from action.yml: the inputs (name, description, default)
// that `node dist/cli.js --help` lists and whose names it accepts. The bundle has no YAML parser,
// so the CLI reads this module instead of action.yml. `npm run build` runs it first.
//
//   node scripts/cli-inputs.mjs            rewrite src/cli/action-inputs.ts
//   node scripts/cli-inputs.mjs --check    exit 1 when it differs from what action.yml gives
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as prettier from 'prettier';
import { entries } from './action-yml.mjs';

const ROOT = join(fileURLToPath(import.meta.url), '..', '..');
const TARGET = join(ROOT, 'src', 'cli', 'action-inputs.ts');
const RELATIVE = 'src/cli/action-inputs.ts';

const yaml = await readFile(join(ROOT, 'action.yml'), 'utf8');
const inputs = entries(yaml, 'inputs').map((i) => ({
  name: i.name,
  description: i.description ?? '',
  default: i.default ?? '',
}));
const source = [
  '// Generated from action.yml by scripts/cli-inputs.mjs (npm run build): do not edit.',
  '',
  '/** One input of action.yml. */',
  'export interface ActionInput {',
  '  /** The name, also the CLI option (--NAME). */',
  '  name: string;',
  '  /** What it means, as action.yml says. */',
  '  description: string;',
  "  /** action.yml's default ('' when none; a `${{ … }}` expression means nothing outside GitHub). */",
  '  default: string;',
  '}',
  '',
  '/** Every input of action.yml, in its order, one a line: name, default, description. */',
  '// prettier-ignore',
  'const ROWS: readonly (readonly [string, string, string])[] = [',
  ...inputs.map((i) => `  ${JSON.stringify([i.name, i.default, i.description])},`),
  '];',
  '',
  '/** Every input of action.yml, in its order. */',
  'export const ACTION_INPUTS: readonly ActionInput[] = ROWS.map(([name, value, description]) => ({',
  '  name,',
  '  description,',
  '  default: value,',
  '}));',
  '',
].join('\n');
const options = (await prettier.resolveConfig(TARGET)) ?? {};
const next = await prettier.format(source, { ...options, parser: 'typescript' });
const now = await readFile(TARGET, 'utf8').catch(() => '');

if (process.argv.includes('--check')) {
  if (next !== now) {
    process.stdout.write(`${RELATIVE} differs from action.yml: run node scripts/cli-inputs.mjs.\n`);
    process.exit(1);
  }
  process.stdout.write(`${RELATIVE} matches action.yml.\n`);
} else if (next !== now) {
  await writeFile(TARGET, next);
  process.stdout.write(`${RELATIVE}: regenerated from action.yml.\n`);
}
