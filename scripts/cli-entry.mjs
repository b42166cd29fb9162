#!/usr/bin/env node
// Writes dist/cli.js, the command-line entry point: ncc names every bundle index.js, so the CLI's
// is dist/cli/index.js and dist/cli.js only loads it (`node dist/cli.js COMMAND --INPUT VALUE`).
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(fileURLToPath(import.meta.url), '..', '..');
await writeFile(
  join(ROOT, 'dist', 'cli.js'),
  "// node dist/cli.js --help (the bundle is cli/index.js; see scripts/cli-entry.mjs)\nimport './cli/index.js';\n",
);
