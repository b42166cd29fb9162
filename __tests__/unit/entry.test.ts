// main.ts and post.ts run their step only when node was started with them (the runner's
// `node dist/index.js`); a program that imports them (GitHub's local-action) calls run() itself.
import { mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { isEntry } from '../../src/entry.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'entry-'));
  await writeFile(join(dir, 'index.js'), '');
  await symlink(join(dir, 'index.js'), join(dir, 'link.js'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('isEntry', () => {
  const url = () => pathToFileURL(join(dir, 'index.js')).href;
  it('is the script node runs, also through a symlink', () => {
    expect(isEntry(url(), join(dir, 'index.js'))).toBe(true);
    expect(isEntry(url(), join(dir, 'link.js'))).toBe(true);
  });
  it('is not a module another script imports', () => {
    expect(isEntry(url(), join(dir, 'other.js'))).toBe(false);
    expect(isEntry(url(), undefined)).toBe(false);
  });
});
