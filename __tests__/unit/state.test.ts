import { mkdtemp, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { createWorkspace, removeWorkspace } from '../../src/state.js';

describe('createWorkspace', () => {
  it('creates RUNNER_TEMP when it does not exist yet (outside a runner)', async () => {
    const base = join(await mkdtemp(join(tmpdir(), 'state-')), 'not', 'yet');
    const dir = await createWorkspace({ RUNNER_TEMP: base });
    expect(dir.startsWith(join(base, 'pg-backup-'))).toBe(true);
    expect((await stat(dir)).isDirectory()).toBe(true);
    expect((await stat(dir)).mode & 0o777).toBe(0o700);
    await removeWorkspace(dir);
  });

  it('says which RUNNER_TEMP cannot be used, without a stack trace', async () => {
    const file = join(await mkdtemp(join(tmpdir(), 'state-')), 'a-file');
    await writeFile(file, '');
    await expect(createWorkspace({ RUNNER_TEMP: file })).rejects.toThrow(
      new RegExp(
        `^Cannot create the run's temporary directory in ${file} \\(RUNNER_TEMP\\): .*Set RUNNER_TEMP to a writable directory\\.$`,
      ),
    );
  });
});
