// The check story with an in-memory store holding real serialized manifests: outputs through
// GITHUB_OUTPUT, the summary through GITHUB_STEP_SUMMARY, and the failure after both are written.
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, beforeEach, describe, expect, it, jest } from '@jest/globals';
import type { Manifest } from '../../../src/catalog/manifest.js';
import { verifiedName } from '../../../src/catalog/naming.js';
import { ActionError } from '../../../src/errors.js';
import { MemoryStore } from '../../helpers/memory-store.js';

let store = new MemoryStore('memory://backups');
const realCreateStore = await import('../../../src/storage/create-store.js');
const createStore = jest.fn(() => store);
jest.unstable_mockModule('../../../src/storage/create-store.js', () => ({
  ...realCreateStore,
  createStore,
}));
// Imported after the mock: the kit's runCheck must open the in-memory store.
const { checkWith, manifestOf, NOW, storedManifest } = await import('../../helpers/check-kit.js');

let summaryFile = '';

beforeAll(async () => {
  summaryFile = join(await mkdtemp(join(tmpdir(), 'check-summary-')), 'summary.md');
  process.env.GITHUB_STEP_SUMMARY = summaryFile;
});

beforeEach(async () => {
  store = new MemoryStore('memory://backups');
  createStore.mockClear();
  await writeFile(summaryFile, '');
});

function hold(...manifests: Manifest[]): void {
  for (const m of manifests) store.put(...storedManifest(m));
  // A data object beside each manifest, as a backup leaves it; the check never reads it.
  for (const m of manifests) store.put(m.object.key, 'x');
}

const inputs = (extra: Record<string, string> = {}) => ({
  command: 'check',
  storage: '/backups',
  'max-age': '26h',
  'size-tolerance': '50',
  ...extra,
});

describe('check on the last proof', () => {
  const recordOf = (m: Manifest, hoursAgo: number) =>
    JSON.stringify({ id: m.id, verifiedAt: new Date(NOW.getTime() - hoursAgo * 3_600_000) });

  it('reports the newest record of any backup of the label as verified-at', async () => {
    const older = manifestOf('app', 50, 1000);
    const newest = manifestOf('app', 1, 1000);
    hold(older, newest);
    store.put(verifiedName(older.id), recordOf(older, 30));
    store.put(verifiedName(newest.id), recordOf(newest, 40));
    const run = await checkWith(inputs({ 'max-unverified-age': '2d' }));
    expect(run.error).toBeUndefined();
    expect(run.outputs['verified-at']).toBe(new Date(NOW.getTime() - 30 * 3_600_000).toISOString());
    expect(await readFile(summaryFile, 'utf8')).toContain('max-unverified-age 2d');
  });

  it('fails without a record newer than max-unverified-age, and without any record', async () => {
    const newest = manifestOf('app', 1, 1000);
    hold(newest);
    store.put(verifiedName(newest.id), recordOf(newest, 9 * 24));
    const stale = await checkWith(inputs({ 'max-unverified-age': '8d' }));
    expect(stale.error?.message).toMatch(
      /newest verification record of 'app' is from .*older than max-unverified-age 8d/,
    );
    expect(stale.outputs.healthy).toBe('false');
    await store.remove(verifiedName(newest.id));
    const none = await checkWith(inputs({ 'max-unverified-age': '8d' }));
    expect(none.error?.message).toMatch(/No backup of 'app' has a verification record/);
    expect(none.outputs['verified-at']).toBe('');
  });

  it('does not count a record of another label, nor a record without its manifest', async () => {
    const app = manifestOf('app', 1, 1000);
    const shop = manifestOf('shop', 1, 1000);
    hold(app, shop);
    store.put(verifiedName(shop.id), recordOf(shop, 1));
    store.put(verifiedName(manifestOf('app', 5, 1).id), recordOf(app, 1));
    const run = await checkWith(inputs({ label: 'app', 'max-unverified-age': '8d' }));
    expect(run.error?.message).toMatch(/No backup of 'app' has a verification record/);
  });
});

describe('check story', () => {
  it('reports a fresh backup of the only label as healthy', async () => {
    const previous = manifestOf('app', 25, 1000);
    const newest = manifestOf('app', 1, 1100);
    hold(previous, newest);
    const run = await checkWith(inputs());
    expect(run.error).toBeUndefined();
    expect(run.outputs).toEqual({
      'backup-id': newest.id,
      age: '3600',
      size: '1100',
      healthy: 'true',
      'verified-at': '',
      hold: '',
    });
    expect(run.report?.previous?.id).toBe(previous.id);
    expect(store.events).toEqual([]);
    const summary = await readFile(summaryFile, 'utf8');
    expect(summary).toContain('healthy');
    expect(summary).toContain('not about age encryption');
    expect(summary).toContain(`against ${previous.id}`);
  });

  it('fails a stale backup after writing outputs and summary, in one line naming age and limit', async () => {
    const newest = manifestOf('app', 30, 1000);
    hold(manifestOf('app', 54, 1000), newest);
    const run = await checkWith(inputs());
    expect(run.error).toBeInstanceOf(ActionError);
    expect(run.error?.message).toBe(
      `The newest backup ${newest.id} is 30h old (finished ${newest.finishedAt}), older than max-age 26h.`,
    );
    expect(run.outputs).toMatchObject({ healthy: 'false', age: String(30 * 3600) });
    const summary = await readFile(summaryFile, 'utf8');
    expect(summary).toContain('unhealthy');
    expect(summary).toContain('older than max-age 26h');
  });

  it('fails a size drop beyond the tolerance naming both sizes', async () => {
    hold(manifestOf('app', 25, 10_000), manifestOf('app', 1, 2_000));
    const run = await checkWith(inputs());
    expect(run.error?.message).toMatch(/2000 bytes\), 80\.0% smaller than the previous one/);
    expect(run.error?.message).toContain('(9.8 KiB (10000 bytes))');
    expect(run.outputs).toMatchObject({ healthy: 'false', size: '2000' });
  });

  it('does not check the size of the only backup', async () => {
    hold(manifestOf('app', 2, 5));
    const run = await checkWith(inputs());
    expect(run.outputs.healthy).toBe('true');
    expect(run.report?.health.sizeCheck).toEqual({ checked: false, reason: 'only one backup' });
    expect(await readFile(summaryFile, 'utf8')).toContain('only one backup');
  });

  it('ignores the backups of another label', async () => {
    const mine = manifestOf('app', 20, 1000);
    hold(mine, manifestOf('other', 1, 10), manifestOf('other', 2, 1_000_000));
    const run = await checkWith(inputs({ label: 'app' }));
    expect(run.outputs).toMatchObject({ 'backup-id': mine.id, healthy: 'true' });
    expect(run.report?.health.sizeCheck.checked).toBe(false);
  });

  it('takes the label from database-url', async () => {
    const mine = manifestOf('shop', 3, 1000);
    hold(mine, manifestOf('other', 1, 10));
    const run = await checkWith(inputs({ 'database-url': 'postgres://u@db/shop' }));
    expect(run.outputs['backup-id']).toBe(mine.id);
  });

  it('asks for label when several labels are present', async () => {
    hold(manifestOf('app', 1, 10), manifestOf('other', 1, 10));
    const run = await checkWith(inputs());
    expect(run.error?.message).toMatch(/Several labels .* \(app, other\): set label/);
  });

  it('fails clearly when no backup is there, saying where and which label', async () => {
    hold(manifestOf('other', 1, 10));
    const run = await checkWith(inputs({ label: 'app' }));
    expect(run.error?.message).toContain(
      "No backup with label 'app' was found at memory://backups",
    );
    expect(run.outputs).toEqual({ healthy: 'false' });
    expect(await readFile(summaryFile, 'utf8')).toContain('No backup with label');
  });

  it('fails clearly on an empty location without a label', async () => {
    const run = await checkWith(inputs());
    expect(run.error?.message).toContain('No backup of any label was found at memory://backups');
  });

  it('fails on a damaged newest manifest instead of judging an older one', async () => {
    const newest = manifestOf('app', 1, 10);
    hold(manifestOf('app', 25, 10));
    store.put(storedManifest(newest)[0], '{"manifestVersion": 1');
    const run = await checkWith(inputs());
    expect(run.error?.message).toMatch(/is not valid JSON/);
    expect(run.outputs.healthy).toBeUndefined();
  });
});

describe('check notice', () => {
  it('carries the verdict of a healthy and of an unhealthy check', async () => {
    const { checkNotice } = await import('../../../src/outputs/check.js');
    const { UnhealthyError } = await import('../../../src/commands/check.js');
    const newest = manifestOf('app', 1, 10);
    hold(manifestOf('app', 25, 1000), newest);
    const healthy = await checkWith(inputs({ 'size-tolerance': '' }));
    expect(checkNotice(healthy.report!)).toMatchObject({
      label: 'app',
      backupId: newest.id,
      size: 10,
      healthy: true,
    });
    const unhealthy = await checkWith(inputs());
    expect(unhealthy.error).toBeInstanceOf(UnhealthyError);
    const report = (unhealthy.error as InstanceType<typeof UnhealthyError>).report;
    expect(checkNotice(report)).toMatchObject({ backupId: newest.id, healthy: false });
  });
});
