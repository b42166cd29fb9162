import { isEntry } from './entry.js';
import { runMain } from './run.js';

/** The main step, for a program that imports the entry (GitHub's local-action calls `run()`). */
export async function run(): Promise<void> {
  await runMain();
}

if (isEntry(import.meta.url)) {
  await run();
  // A request the run gave up on (an upload part hung on a dead network) must not keep the step
  // alive: once main is done, the process ends within a second whatever is still open.
  setTimeout(() => process.exit(), 1000).unref();
}
