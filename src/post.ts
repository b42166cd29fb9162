import { isEntry } from './entry.js';
import { runPost } from './run.js';

/** The post step, for a program that imports the entry (GitHub's local-action calls `run()`). */
export async function run(): Promise<void> {
  await runPost();
}

if (isEntry(import.meta.url)) await run();
