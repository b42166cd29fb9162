import { runCli } from './cli/run-cli.js';
import { isEntry } from './entry.js';
import { runMain } from './run.js';

/** The main step, for a program that imports the entry (GitHub's local-action calls `run()`). */
export async function run(): Promise<void> {
  await runMain();
}

/**
 * The command line, `node dist/cli.js COMMAND [--INPUT VALUE]...`: dist/cli.js imports this bundle
 * and calls it, so the action and its command line are one bundle.
 */
export async function cli(): Promise<void> {
  process.exitCode = await runCli(process.argv.slice(2), process.env);
  endSoon();
}

/** A request the run gave up on (an upload part hung on a dead network) must not keep the process alive: it ends within a second. */
function endSoon(): void {
  setTimeout(() => process.exit(), 1000).unref();
}

if (isEntry(import.meta.url)) {
  await run();
  endSoon();
}
