import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * Whether the module at `url` is the script node was started with (`node dist/index.js`, as the
 * runner does), not one imported by another program (GitHub's local-action imports the entry
 * and calls its `run()`).
 */
export function isEntry(url: string, script: string | undefined = process.argv[1]): boolean {
  return script !== undefined && real(script) === real(fileURLToPath(url));
}

function real(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}
