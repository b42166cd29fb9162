// The CLI's --help and option names come from src/cli/action-inputs.ts, generated from action.yml
// (scripts/cli-inputs.mjs): it must match action.yml, and name every input the reader knows.
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { ACTION_INPUTS } from '../../src/cli/action-inputs.js';
import { INPUTS, loadActionDefaults } from '../../src/inputs/read.js';
import { REPO } from '../../scripts/lib/repo.js';
import { collectProcess } from '../../scripts/lib/spawn.js';

describe('src/cli/action-inputs.ts', () => {
  it('is what action.yml gives (node scripts/cli-inputs.mjs --check)', async () => {
    const run = await collectProcess(process.execPath, [
      join(REPO, 'scripts', 'cli-inputs.mjs'),
      '--check',
    ]);
    expect({ code: run.code, stdout: run.stdout, stderr: run.stderr }).toEqual({
      code: 0,
      stdout: 'src/cli/action-inputs.ts matches action.yml.\n',
      stderr: '',
    });
  }, 60_000);

  it('names every input the reader knows, with the defaults the reader applies', () => {
    expect(ACTION_INPUTS.map((i) => i.name).sort()).toEqual(Object.values(INPUTS).sort());
    const defaults = loadActionDefaults();
    for (const input of ACTION_INPUTS)
      expect([input.name, input.default.includes('${{') ? '' : input.default]).toEqual([
        input.name,
        defaults[input.name] ?? '',
      ]);
  });
});
