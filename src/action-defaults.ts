import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The input defaults declared in action.yml, for runs outside GitHub where the runner does not
 * apply them. action.yml is the only place defaults are written; expressions (`${{ … }}`) read as ''.
 */
export function parseActionDefaults(yaml: string): Record<string, string> {
  const defaults: Record<string, string> = {};
  const block = /^inputs:\s*\n([\s\S]*?)(?=^\S)/m.exec(`${yaml}\n_end:`)?.[1] ?? '';
  let current = '';
  for (const line of block.split('\n')) {
    const name = /^ {2}([a-z0-9-]+):\s*$/.exec(line)?.[1];
    if (name) current = name;
    const value = /^ {4}default:\s*(.*)$/.exec(line)?.[1];
    if (current && value !== undefined) defaults[current] = unquote(value.trim());
  }
  return defaults;
}

function unquote(value: string): string {
  const text =
    /^'(.*)'$/.exec(value)?.[1]?.replace(/''/g, "'") ?? /^"(.*)"$/.exec(value)?.[1] ?? value;
  return text.includes('${{') ? '' : text;
}

/** Loads the defaults from the action.yml beside dist/ (or the repository root in tests). */
export function loadActionDefaults(): Record<string, string> {
  const here = dirname(fileURLToPath(import.meta.url));
  for (const candidate of [join(here, '..', 'action.yml'), join(here, '..', '..', 'action.yml')]) {
    try {
      return parseActionDefaults(readFileSync(candidate, 'utf8'));
    } catch {
      // try the next place
    }
  }
  return {};
}
