import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as core from '@actions/core';
import { InputError } from '../errors.js';

export { INPUTS } from '../input-names.js';

/** Reads one input's trimmed value, falling back to action.yml's default ('' when neither). */
export type Read = (name: string) => string;
/** Marks a value as secret so the runner masks it in every log line. */
export type Mask = (secret: string) => void;

/** Reads inputs with action.yml's defaults filled in (the runner does this; a local run does not). */
export function createReader(defaults: Record<string, string> = loadActionDefaults()): Read {
  return readerFrom((name) => core.getInput(name), defaults);
}

/** A reader over `getInput` (trimmed, '' when unset) where an empty value takes the default. */
export function readerFrom(
  getInput: (name: string) => string,
  defaults: Record<string, string>,
): Read {
  return (name) => getInput(name) || defaults[name] || '';
}

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

/** A newline- or comma-separated list. */
export function parseList(raw: string): string[] {
  return raw
    .split(/[\n,]/)
    .map((s) => s.trim())
    .filter(Boolean);
}

/** `true` or `false` in the YAML 1.2 core schema spellings, as core.getBooleanInput accepts. */
export function parseBool(input: string, raw: string): boolean {
  if (['true', 'True', 'TRUE'].includes(raw)) return true;
  if (['false', 'False', 'FALSE'].includes(raw)) return false;
  throw new InputError(input, `'${raw}' is not a boolean: use true or false.`);
}

/** `auto`, or a boolean. */
export function parseAutoBool(input: string, raw: string): boolean | 'auto' {
  if (['auto', 'Auto', 'AUTO', ''].includes(raw)) return 'auto';
  if (['true', 'True', 'TRUE'].includes(raw)) return true;
  if (['false', 'False', 'FALSE'].includes(raw)) return false;
  throw new InputError(input, `'${raw}' is not auto, true or false.`);
}

/** The value if it is one of `allowed` (case-insensitive), else an InputError. */
export function oneOf<T extends string>(input: string, raw: string, allowed: readonly T[]): T {
  const value = raw.toLowerCase() as T;
  if (allowed.includes(value)) return value;
  throw new InputError(input, `'${raw}' is not one of ${allowed.join(', ')}.`);
}
