// node dist/cli.js --help (the bundle is cli/index.js; see scripts/cli-entry.mjs)
import './cli/index.js';
