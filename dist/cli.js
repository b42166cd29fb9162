// node dist/cli.js --help (see scripts/cli-entry.mjs and src/main.ts)
import { cli } from './index.js';

await cli();
