import { describe, expect, it } from '@jest/globals';
import { createStore } from '../../../src/storage/create-store.js';
import { LazyStore } from '../../../src/storage/lazy-store.js';
import type { Store } from '../../../src/storage/store.js';

describe('LazyStore', () => {
  it('answers names without loading, loads once on first use and delegates', async () => {
    let loads = 0;
    const calls: string[] = [];
    const real = {
      createIfAbsent: (name: string) => (calls.push(`create ${name}`), Promise.resolve(true)),
      list: (prefix: string) => (
        calls.push(`list ${prefix}`),
        Promise.resolve([{ fileName: 'a' }])
      ),
    } as unknown as Store;
    const store = new LazyStore(
      's3://b/p/',
      (f) => `s3://b/p/${f}`,
      () => ((loads += 1), Promise.resolve(real)),
    );
    expect(store.description).toBe('s3://b/p/');
    expect(store.locationOf('x.dump')).toBe('s3://b/p/x.dump');
    expect(store.localPath()).toBeUndefined();
    expect(loads).toBe(0);
    await expect(store.createIfAbsent('.app-1.claim', '')).resolves.toBe(true);
    await expect(store.list('app-')).resolves.toEqual([{ fileName: 'a' }]);
    expect(loads).toBe(1);
    expect(calls).toEqual(['create .app-1.claim', 'list app-']);
  });

  it("is what createStore gives for s3://, with the S3 store's names", () => {
    const store = createStore({ kind: 's3', bucket: 'backups', prefix: 'nightly/' });
    expect(store).toBeInstanceOf(LazyStore);
    expect(store.description).toBe('s3://backups/nightly/');
    expect(store.locationOf('app-1.dump')).toBe('s3://backups/nightly/app-1.dump');
  });
});
