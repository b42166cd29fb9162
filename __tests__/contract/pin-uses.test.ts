// Every `uses:` line of the action in README.md, docs/ and examples/ is pinned to one full commit SHA
// with a version comment (scripts/pin-uses.mjs): the repository's lines must pass --check, and in a
// copy the check must name an unpinned line and the rewrite (what the release workflow runs) repair it.
import { execFileSync } from 'node:child_process';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { REPO } from '../../scripts/lib/repo.js';
import { collectProcess } from '../../scripts/lib/spawn.js';

const SCRIPT = join(REPO, 'scripts', 'pin-uses.mjs');
const pin = (...args: string[]) => collectProcess(process.execPath, [SCRIPT, ...args]);
const NAME = 'postgres-backup-action/postgres-backup-action';

describe('node scripts/pin-uses.mjs', () => {
  it('finds every uses: line of the repository pinned to one commit of its history', async () => {
    const run = await pin('--check');
    expect(run.stderr).toBe('');
    expect(run.stdout).toMatch(
      new RegExp(`^\\d+ uses: line\\(s\\) of ${NAME} pinned to [0-9a-f]{40} # v\\d+\\.\\d+\\.\\d+`),
    );
    expect(run.code).toBe(0);
  }, 60_000);

  describe('in a copy with an unpinned line', () => {
    let dir: string;
    let head: string;
    const git = (...args: string[]) =>
      execFileSync('git', ['-C', dir, ...args], { encoding: 'utf8' }).trim();

    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), 'pin-uses-'));
      for (const f of ['README.md', 'package.json', 'docs', 'examples'])
        await cp(join(REPO, f), join(dir, f), { recursive: true });
      git('init', '-q');
      git('-c', 'user.name=t', '-c', 'user.email=t@example.invalid', 'add', '.');
      git('-c', 'user.name=t', '-c', 'user.email=t@example.invalid', 'commit', '-qm', 'copy');
      head = git('rev-parse', 'HEAD');
      const file = join(dir, 'examples', 'nightly-backup.yml');
      const text = await readFile(file, 'utf8');
      const unpinned = text.replace(
        /(uses: )\S+\/postgres-backup-action@.*$/m,
        '$1OWNER/postgres-backup-action@v0',
      );
      expect(unpinned).not.toBe(text);
      await writeFile(file, unpinned);
    });
    afterAll(async () => {
      await rm(dir, { recursive: true, force: true });
    });

    it('--check exits 1 and names the file, the line and what is wrong', async () => {
      const run = await pin('--check', '--root', dir);
      expect(run.code).toBe(1);
      expect(run.stdout).toMatch(
        /^examples\/nightly-backup\.yml:\d+: uses: OWNER\/postgres-backup-action@v0 names OWNER\/postgres-backup-action, not postgres-backup-action\/postgres-backup-action$/m,
      );
    }, 60_000);

    it('--check refuses a SHA that is not a commit of the repository', async () => {
      const bogus = 'f'.repeat(40);
      expect((await pin('--root', dir, '--sha', bogus, '--version', 'v1.0.0')).code).toBe(0);
      const run = await pin('--check', '--root', dir);
      expect(run.code).toBe(1);
      expect(run.stdout).toContain(`${bogus} is not a commit of this repository`);
    }, 60_000);

    it('pins every line to the SHA and version given, and then --check passes', async () => {
      const run = await pin('--root', dir, '--sha', head, '--version', 'v1.2.3');
      expect(run.code).toBe(0);
      const text = await readFile(join(dir, 'examples', 'nightly-backup.yml'), 'utf8');
      expect(text).toContain(`uses: ${NAME}@${head} # v1.2.3\n`);
      const check = await pin('--check', '--root', dir);
      expect(check.stdout).toContain(`pinned to ${head} # v1.2.3.`);
      expect(check.code).toBe(0);
    }, 60_000);

    it('refuses a ref that is not a full SHA', async () => {
      const run = await pin('--root', dir, '--sha', 'v1', '--version', 'v1.2.3');
      expect(run.code).not.toBe(0);
      expect(run.stderr).toContain('--sha must be a full 40-hex commit SHA, not v1');
    }, 60_000);
  });
});
