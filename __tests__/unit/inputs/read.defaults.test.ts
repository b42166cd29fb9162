import { describe, expect, it } from '@jest/globals';
import { loadActionDefaults, parseActionDefaults } from '../../../src/inputs/read.js';
import { INPUTS } from '../../../src/inputs/read.js';
import { ACTION_YML } from '../../helpers/unit-support.js';

describe('parseActionDefaults on the real action.yml', () => {
  const defaults = parseActionDefaults(ACTION_YML);

  it.each(Object.values(INPUTS))('has an entry for %s', (name) => {
    expect(defaults).toHaveProperty([name]);
    expect(typeof defaults[name]).toBe('string');
  });

  it('has no entry that is not an input of the map', () => {
    const known = new Set<string>(Object.values(INPUTS));
    expect(Object.keys(defaults).filter((name) => !known.has(name))).toEqual([]);
  });

  it('reads github-token’s ${{ github.token }} as empty', () => {
    expect(ACTION_YML).toMatch(/default: '\$\{\{ github\.token \}\}'/);
    expect(defaults['github-token']).toBe('');
  });

  it.each([
    ['command', 'backup'],
    ['storage', 'artifact://'],
    ['pg-version', 'auto'],
    ['format', 'custom'],
    ['compression', 'auto'],
    ['verify', 'archive'],
    ['backup', 'latest'],
    ['s3-checksum', 'auto'],
    ['s3-force-path-style', 'false'],
    ['schema-only', 'false'],
    ['data-only', 'false'],
    ['no-owner', 'auto'],
    ['no-privileges', 'auto'],
    ['create-database', 'true'],
    ['overwrite', 'false'],
    ['dry-run', 'false'],
    ['database-url', ''],
    ['label', ''],
  ])('unquotes the default of %s to %j', (name, value) => {
    expect(defaults[name]).toBe(value);
  });

  it('reads no quote characters into any value', () => {
    for (const value of Object.values(defaults)) expect(value).not.toMatch(/^['"]|['"]$/);
  });

  it('loads the same defaults from the repository', () => {
    expect(loadActionDefaults()).toEqual(defaults);
  });
});

describe('parseActionDefaults', () => {
  const yaml = (body: string) =>
    `name: x\ndescription: y\ninputs:\n${body}\noutputs:\n  out:\n    description: z\n    default: 'not an input'\nruns:\n  using: node24\n`;

  it.each([
    ["'single'", 'single'],
    ['"double"', 'double'],
    ['bare', 'bare'],
    ["'it''s'", "it's"],
    ["''", ''],
    ['""', ''],
    ["'with: colon'", 'with: colon'],
    ["'${{ github.token }}'", ''],
    ['${{ inputs.other }}', ''],
    ["'prefix-${{ github.run_id }}'", ''],
    ["'  spaced  '", '  spaced  '],
    ['bare   ', 'bare'],
  ])('reads default: %s as %j', (written, expected) => {
    const parsed = parseActionDefaults(
      yaml(`  one:\n    description: d\n    required: false\n    default: ${written}`),
    );
    expect(parsed).toEqual({ one: expected });
  });

  it('leaves out inputs without a default and ignores outputs', () => {
    const parsed = parseActionDefaults(
      yaml("  a:\n    description: d\n  b:\n    description: 'default: no'\n    default: 'yes'"),
    );
    expect(parsed).toEqual({ b: 'yes' });
  });

  it('reads inputs as the last block of the file', () => {
    expect(parseActionDefaults("inputs:\n  last:\n    default: 'v'")).toEqual({ last: 'v' });
  });

  it('reads nothing from a file without inputs', () => {
    expect(parseActionDefaults('name: x\nruns:\n  using: node24\n')).toEqual({});
  });
});
