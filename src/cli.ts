import { runCli } from './cli/run-cli.js';

process.exitCode = await runCli(process.argv.slice(2), process.env);
// As in main.ts: a request the run gave up on must not keep the process alive.
setTimeout(() => process.exit(), 1000).unref();
