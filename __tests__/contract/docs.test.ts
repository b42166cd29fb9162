// README's inputs and outputs tables are generated from action.yml (scripts/docs.mjs): the
// repository's README must match, and the check must notice drift and the generator repair it.
import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { REPO } from '../../scripts/lib/repo.js';
import { collectProcess } from '../../scripts/lib/spawn.js';

const SCRIPT = join(REPO, 'scripts', 'docs.mjs');
const docs = (...args: string[]) => collectProcess(process.execPath, [SCRIPT, ...args]);

describe('npm run docs', () => {
  it('finds README.md in step with action.yml (node scripts/docs.mjs --check)', async () => {
    const run = await docs('--check');
    expect(run.stderr).toBe('');
    expect(run.stdout).toContain('match action.yml');
    expect(run.code).toBe(0);
  }, 60_000);

  describe('in a copy whose action.yml changed', () => {
    let dir: string;
    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), 'docs-test-'));
      for (const f of ['README.md', 'action.yml', '.prettierrc.json'])
        await copyFile(join(REPO, f), join(dir, f));
      const yml = await readFile(join(dir, 'action.yml'), 'utf8');
      const changed = yml
        .replace("'The backup id.'", "'The id | of the <new> backup.'")
        .replace(/( {2}command:\n {4}description: ')[^']*'/, "$1What to run, it's one of five.'");
      expect(changed).not.toBe(yml);
      await writeFile(join(dir, 'action.yml'), changed);
    });
    afterAll(async () => {
      await rm(dir, { recursive: true, force: true });
    });

    it('--check exits 1 and shows the old and the generated lines', async () => {
      const run = await docs('--check', '--root', dir);
      expect(run.code).toBe(1);
      expect(run.stdout).toMatch(/^- README\.md:\d+: \| `backup-id` +\| The backup id\./m);
      expect(run.stdout).toMatch(
        /^\+ README\.md:\d+: \| `backup-id` +\| The id \\\| of the &lt;new> backup\./m,
      );
      expect(run.stdout).toMatch(
        /^\+ README\.md:\d+: \| `command` +\| `backup` +\| What to run, it's one of five\./m,
      );
      expect(run.stdout).toContain('npm run docs');
    }, 60_000);

    it('--check also refuses a table whose alignment prettier would change', async () => {
      const readme = await readFile(join(dir, 'README.md'), 'utf8');
      const misaligned = readme.replace(/^(\| `size` +\|)/m, '| `size` |');
      expect(misaligned).not.toBe(readme);
      const copy = await mkdtemp(join(tmpdir(), 'docs-test-'));
      try {
        for (const f of ['action.yml', '.prettierrc.json'])
          await copyFile(join(REPO, f), join(copy, f));
        await writeFile(join(copy, 'README.md'), misaligned);
        const run = await docs('--check', '--root', copy);
        expect(run.code).toBe(1);
        expect(run.stdout).toContain('(only the column alignment differs)');
      } finally {
        await rm(copy, { recursive: true, force: true });
      }
    }, 60_000);

    it('regenerates only the tables, and then --check passes', async () => {
      const before = await readFile(join(dir, 'README.md'), 'utf8');
      expect((await docs('--root', dir)).code).toBe(0);
      const after = await readFile(join(dir, 'README.md'), 'utf8');
      const outside = (text: string) =>
        text
          .replace(/<!-- inputs:start -->[\s\S]*<!-- inputs:end -->/, '')
          .replace(/<!-- outputs:start -->[\s\S]*<!-- outputs:end -->/, '');
      expect(outside(after)).toBe(outside(before));
      expect(after).not.toBe(before);
      const again = await docs('--check', '--root', dir);
      expect(again.code).toBe(0);
    }, 60_000);
  });
});
