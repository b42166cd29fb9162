// The prune story with an in-memory store: the order of deletions, dry runs, artifact storage,
// failing deletes, and what stays untouched. createStore is mocked before the command is imported.
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { serializeManifest } from '../../../src/catalog/manifest.js';
import { verifiedName } from '../../../src/catalog/naming.js';
import type { RunContext } from '../../../src/commands/context.js';
import {
  filesOf,
  manufacture,
  seed,
  type Manufactured,
} from '../../helpers/manufactured-backups.js';
import { MemoryStore } from '../../helpers/memory-store.js';
import { readerOf } from '../../../scripts/lib/repo.js';

/** A MemoryStore whose removes of matching names fail. */
class RefusingStore extends MemoryStore {
  refuse?: RegExp;
  remove(fileName: string): Promise<void> {
    if (this.refuse?.test(fileName)) return Promise.reject(new Error('AccessDenied (403)'));
    return super.remove(fileName);
  }
}

let store = new RefusingStore('memory:/mem');
const realCreateStore = await import('../../../src/storage/create-store.js');
// Every location opens the current test store.
const createStore = jest.fn(() => store);
jest.unstable_mockModule('../../../src/storage/create-store.js', () => ({
  ...realCreateStore,
  createStore,
}));
const { runPrune } = await import('../../../src/commands/prune.js');
const { readPruneSettings } = await import('../../../src/inputs/prune.js');
const { backupSummaryRows } = await import('../../../src/outputs/backup.js');

const DAY = 86_400_000;
const NEWEST = Date.parse('2026-11-22T02:00:00.000Z');
/** Ten daily backups of `app`, newest first; the third one also has a globals object. */
const daily = (): Manufactured[] =>
  Array.from({ length: 10 }, (_, i) =>
    manufacture('app', new Date(NEWEST - i * DAY), { globals: i === 2 }),
  );

function settings(inputs: Record<string, string>) {
  return readPruneSettings(
    readerOf({ storage: '/mem', label: 'app', ...inputs }),
    () => undefined,
    '/',
  );
}

async function context(): Promise<RunContext> {
  return {
    env: process.env,
    workspace: await mkdtemp(join(tmpdir(), 'prune-ws-')),
    now: () => new Date(),
  };
}

async function outputs(): Promise<string> {
  return readFile(process.env.GITHUB_OUTPUT ?? '', 'utf8');
}

beforeAll(async () => {
  process.env.GITHUB_OUTPUT = join(await mkdtemp(join(tmpdir(), 'prune-out-')), 'output');
  delete process.env.GITHUB_STEP_SUMMARY;
});

beforeEach(async () => {
  store = new RefusingStore('memory:/mem');
  await writeFile(process.env.GITHUB_OUTPUT ?? '', '');
});

describe('prune story', () => {
  it('deletes the expired backups oldest first: every manifest of the batch, then their data objects', async () => {
    const backups = daily();
    await seed(store, backups);
    store.events.length = 0;
    const report = await runPrune(settings({ 'keep-last': '7' }), await context());
    const expired = backups.slice(7).reverse();
    expect(report.pruned).toEqual(expired.map((b) => b.manifest.id));
    expect(report.kept.map((k) => k.id)).toEqual(backups.slice(0, 7).map((b) => b.manifest.id));
    expect(report.kept.every((k) => k.rules.includes('last'))).toBe(true);
    expect(store.events).toEqual([
      ...expired.map((b) => ({ op: 'remove', name: b.manifestFile })),
      ...expired.flatMap((b) => [
        { op: 'remove', name: b.dataFile },
        // The verification record goes with its backup (a missing one is no error).
        { op: 'remove', name: verifiedName(b.manifest.id) },
      ]),
    ]);
    expect(store.names()).toEqual(filesOf(backups.slice(0, 7)).sort());
    const out = await outputs();
    expect(out).toContain(JSON.stringify(report.pruned));
    expect(out).toContain(JSON.stringify(report.kept.map((k) => k.id)));
  });

  it('deletes the globals object a manifest records', async () => {
    const backups = daily();
    await seed(store, backups);
    store.events.length = 0;
    await runPrune(settings({ 'keep-last': '2' }), await context());
    const withGlobals = backups[2];
    expect(store.events.filter((e) => e.name.startsWith(withGlobals.manifest.id))).toEqual([
      { op: 'remove', name: withGlobals.manifestFile },
      { op: 'remove', name: withGlobals.dataFile },
      { op: 'remove', name: withGlobals.globals?.file },
      { op: 'remove', name: verifiedName(withGlobals.manifest.id) },
    ]);
  });

  it('deletes the verification record with its backup and keeps the kept ones', async () => {
    const backups = daily();
    await seed(store, backups);
    for (const b of backups) await store.writeSmall(verifiedName(b.manifest.id), '{}');
    await runPrune(settings({ 'keep-last': '2' }), await context());
    const records = store.names().filter((n) => n.endsWith('.verified.json'));
    expect(records).toEqual(
      backups
        .slice(0, 2)
        .map((b) => verifiedName(b.manifest.id))
        .sort(),
    );
  });

  it('in a dry run reports the same and deletes nothing', async () => {
    const backups = daily();
    await seed(store, backups);
    const real = new RefusingStore('memory:/mem');
    await seed(real, backups);
    store.events.length = 0;
    const dry = await runPrune(settings({ 'keep-daily': '3', 'dry-run': 'true' }), await context());
    expect(store.events).toEqual([]);
    expect(store.names()).toEqual(filesOf(backups).sort());
    store = real;
    const done = await runPrune(settings({ 'keep-daily': '3' }), await context());
    expect({ ...dry, dryRun: false }).toEqual(done);
    expect(dry.pruned).toHaveLength(7);
  });

  it('touches nothing outside the label: other labels, stray files, damaged or foreign manifests', async () => {
    const backups = daily();
    const others = [
      manufacture('app-staging', new Date(NEWEST - 400 * DAY)),
      manufacture('other', new Date(0)),
    ];
    await seed(store, [...backups, ...others]);
    store.put('notes.txt', 'hello');
    store.put('app-20200101T000000Z.dump', 'a data object without manifest');
    store.put('app-20200102T000000Z.manifest.json', '{ damaged');
    const foreign = manufacture('other', new Date(NEWEST - 900 * DAY)).manifest;
    store.put('app-20200103T000000Z.manifest.json', serializeManifest(foreign));
    store.put(foreign.object.key, 'data of other');
    const before = store.names();
    const report = await runPrune(settings({ 'keep-last': '1' }), await context());
    expect(report.pruned).toHaveLength(9);
    expect(report.unreadable.sort()).toEqual([
      'app-20200102T000000Z.manifest.json',
      'app-20200103T000000Z.manifest.json',
    ]);
    const deleted = filesOf(backups.slice(1));
    expect(store.names()).toEqual(before.filter((n) => !deleted.includes(n)));
  });

  it('a failing data delete leaves the batch without manifests, names each object, keeps the rest whole', async () => {
    const backups = daily();
    await seed(store, backups);
    store.refuse = /\.dump$/;
    const error = await runPrune(settings({ 'keep-last': '5' }), await context()).catch(
      (e: Error) => e,
    );
    const expired = backups.slice(5);
    expect(error).toBeInstanceOf(Error);
    for (const b of expired)
      expect((error as Error).message).toContain(`memory:/mem/${b.dataFile}`);
    expect((error as Error).message).toContain('no backups any more');
    expect(store.names()).toEqual(
      [...filesOf(backups.slice(0, 5)), ...expired.map((b) => b.dataFile)].sort(),
    );
  });

  it('a failing manifest delete leaves the backup whole and stops', async () => {
    const backups = daily();
    await seed(store, backups);
    store.refuse = /\.manifest\.json$/;
    const error = await runPrune(settings({ 'keep-last': '5' }), await context()).catch(
      (e: Error) => e,
    );
    expect((error as Error).message).toContain('are still whole');
    expect(store.names()).toEqual(filesOf(backups).sort());
  });

  it('on artifact storage says retention is artifact-retention-days and deletes nothing', async () => {
    const backups = daily();
    await seed(store, backups);
    store.events.length = 0;
    const report = await runPrune(
      settings({ storage: 'artifact://', 'keep-last': '1' }),
      await context(),
    );
    expect(report.notApplied).toContain('artifact-retention-days');
    expect(report.pruned).toEqual([]);
    expect(store.events).toEqual([]);
    expect(await outputs()).toContain('[]');
  });

  it('finds the only label present when none is given', async () => {
    await seed(store, daily());
    const read = readerOf({ storage: '/mem', 'keep-last': '3' });
    const report = await runPrune(
      readPruneSettings(read, () => undefined, '/'),
      await context(),
    );
    expect(report.label).toBe('app');
    expect(report.pruned).toHaveLength(7);
  });
});

describe('backup summary', () => {
  const { manifest } = manufacture('app', new Date(NEWEST));
  const base = { manifest, locations: ['/x'], manifestLocation: '/x.m', durationSeconds: 1 };

  it('shows the Pruned row only when retention ran', () => {
    expect(backupSummaryRows({ ...base, pruned: [] }).map(([f]) => f)).not.toContain('Pruned');
    const rows = backupSummaryRows({ ...base, pruned: ['a', 'b'], retention: 'keep-last 1' });
    expect(rows).toContainEqual(['Pruned', 'a<br>b (keep-last 1)']);
    const none = backupSummaryRows({ ...base, pruned: [], retention: 'keep-last 1' });
    expect(none).toContainEqual(['Pruned', 'none (keep-last 1)']);
  });
});
