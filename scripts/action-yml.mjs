// Reads the `inputs:` and `outputs:` blocks of action.yml, for the scripts that generate text
// from it (docs.mjs: README's tables; cli-inputs.mjs: the CLI's --help). No YAML library: only
// the shape action.yml uses, and anything else fails so that a new form is noticed.

/**
 * A YAML scalar as action.yml writes it: 'single', "double" (no escapes used) or plain.
 * @param {string} text
 * @param {string} where
 * @returns {string}
 */
export function scalar(text, where) {
  const value = text.trim();
  const single = /^'(.*)'$/.exec(value);
  if (single) return single[1].replace(/''/g, "'");
  const double = /^"(.*)"$/.exec(value);
  if (double) {
    if (double[1].includes('\\')) throw new Error(`${where}: escapes in "…" are not supported`);
    return double[1];
  }
  if (/^['"|>]/.test(value)) throw new Error(`${where}: write the value on one line, quoted`);
  return value;
}

/**
 * The entries of a top-level block of action.yml (`inputs:` or `outputs:`): name and fields.
 * Only the shape action.yml uses (two-space names, four-space one-line fields); anything else
 * fails, so that a new form is noticed rather than silently left out.
 * @param {string} yaml
 * @param {string} block
 * @returns {Record<string, string>[]} each entry's `name` and one-line fields
 */
export function entries(yaml, block) {
  const lines = yaml.split('\n');
  const start = lines.findIndex((l) => l === `${block}:`);
  if (start < 0) throw new Error(`action.yml has no top-level ${block}:`);
  /** @type {Record<string, string>[]} */
  const found = [];
  for (let i = start + 1; i < lines.length && !/^\S/.test(lines[i]); i += 1) {
    const line = lines[i];
    if (line.trim() === '' || /^\s*#/.test(line)) continue;
    const name = /^ {2}([a-z0-9-]+):\s*$/.exec(line);
    const field = /^ {4}([a-z-]+):\s*(.*)$/.exec(line);
    const last = found[found.length - 1];
    if (name) found.push({ name: name[1] });
    else if (field && last) last[field[1]] = scalar(field[2], `action.yml:${i + 1}`);
    else throw new Error(`action.yml:${i + 1}: unexpected line in ${block}: ${line.trim()}`);
  }
  return found;
}
