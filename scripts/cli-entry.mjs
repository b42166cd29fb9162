#!/usr/bin/env node
// Writes dist/cli.js, the command-line entry point (`node dist/cli.js COMMAND --INPUT VALUE`): it
// calls the `cli` export of the action's own bundle, dist/index.js, so there is one bundle of the code.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(fileURLToPath(import.meta.url), '..', '..');
await writeFile(
  join(ROOT, 'dist', 'cli.js'),
  "// node dist/cli.js --help (see scripts/cli-entry.mjs and src/main.ts)\nimport { cli } from './index.js';\n\nawait cli();\n",
);
