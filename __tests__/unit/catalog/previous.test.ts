// The previous backup a backup is compared with: the label's newest manifest at the first
// location; none for a first backup; a damaged manifest or a failing listing is a warning and
// previous null, never a failure.
import { describe, expect, it, jest } from '@jest/globals';
import { serializeManifest } from '../../../src/catalog/manifest.js';
import { manufacture, seed } from '../../helpers/manufactured-backups.js';
import { MemoryStore } from '../../helpers/memory-store.js';

const realCore = await import('@actions/core');
const warning = jest.fn();
jest.unstable_mockModule('@actions/core', () => ({ ...realCore, warning }));
const { previousBackup } = await import('../../../src/catalog/previous.js');

const older = manufacture('app', new Date('2026-01-01T00:00:00Z'));
const newer = manufacture('app', new Date('2026-01-02T00:00:00Z'));
const sameSecond = manufacture('app', new Date('2026-01-02T00:00:00Z'), { serial: 2 });
const otherLabel = manufacture('app-x', new Date('2026-01-03T00:00:00Z'));

describe('previousBackup', () => {
  it('is the newest manifest of the label (not of a longer label)', async () => {
    const store = new MemoryStore('memory:a');
    await seed(store, [older, newer, sameSecond, otherLabel]);
    expect((await previousBackup(store, 'app', new Date()))?.id).toBe(sameSecond.manifest.id);
    expect(warning).not.toHaveBeenCalled();
  });

  it('is undefined without a warning for the first backup of a label', async () => {
    const store = new MemoryStore('memory:b');
    await seed(store, [otherLabel]);
    expect(await previousBackup(store, 'app', new Date())).toBeUndefined();
    expect(await previousBackup(undefined, 'app', new Date())).toBeUndefined();
    expect(warning).not.toHaveBeenCalled();
  });

  it('is undefined with a warning when the newest manifest is damaged', async () => {
    const store = new MemoryStore('memory:c');
    await seed(store, [older]);
    store.put(newer.manifestFile, serializeManifest(newer.manifest).slice(0, 40));
    expect(await previousBackup(store, 'app', new Date())).toBeUndefined();
    expect(warning).toHaveBeenCalledWith(
      expect.stringMatching(
        /Could not read the previous backup of 'app' at memory:c .*not valid JSON/,
      ),
    );
  });

  it('is undefined with a warning when the location cannot be listed', async () => {
    warning.mockClear();
    const store = new MemoryStore('memory:d');
    store.list = () => Promise.reject(new Error('access denied'));
    expect(await previousBackup(store, 'app', new Date())).toBeUndefined();
    expect(warning).toHaveBeenCalledWith(expect.stringContaining('(access denied)'));
  });
});
