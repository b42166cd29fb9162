import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from '@jest/globals';
import { savedWorkspace } from '../../../src/state.js';
import { MAX_SMALL_BYTES, readSmallFile } from '../../../src/storage/small-object.js';

describe('a small object (manifest) over the size cap', () => {
  it('is refused before it is read into memory', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'small-'));
    const file = join(dir, 'app-20261122T020000Z.manifest.json');
    await writeFile(file, Buffer.alloc(MAX_SMALL_BYTES + 1, 0x20));
    await expect(readSmallFile(file, file)).rejects.toThrow(
      /more than a manifest can .*: it is not a manifest/,
    );
    await writeFile(file, '{}');
    await expect(readSmallFile(file, file)).resolves.toBe('{}');
  });
});

describe('the post step’s saved workspace', () => {
  afterEach(() => {
    delete process.env.STATE_workspace;
  });

  it('is used only when it is a pg-backup-* directory right under RUNNER_TEMP', async () => {
    const temp = await mkdtemp(join(tmpdir(), 'runner-temp-'));
    const own = join(temp, 'pg-backup-Ab12Cd');
    await mkdir(own);
    process.env.STATE_workspace = own;
    expect(savedWorkspace({ RUNNER_TEMP: temp })).toBe(own);
    for (const other of [
      '/',
      temp,
      join(temp, 'pg-backup-x', '..', '..'),
      '/home/runner/work',
      join(temp, 'other'),
    ]) {
      process.env.STATE_workspace = other;
      expect(savedWorkspace({ RUNNER_TEMP: temp })).toBeUndefined();
    }
  });
});
