// ArtifactStore with the REAL @actions/artifact client against a fake results service + azurite.
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  afterAll,
  afterEach,
  beforeAll,
  beforeEach,
  describe,
  expect,
  it,
  jest,
} from '@jest/globals';
import type { ArtifactSettings } from '../../src/settings.js';
import type { ArtifactStore as ArtifactStoreClass } from '../../src/storage/artifact.js';
import {
  startArtifactService,
  type ArtifactService,
  type FakeRun,
} from '../helpers/artifact-service.js';
import { isTaken } from '../../src/catalog/claim.js';
import { listManifests } from '../../src/catalog/backups.js';

const ID = 'app-20261122T020000Z';
const DATA = `${ID}.dump`;
const MANIFEST = `${ID}.manifest.json`;
const NO_RUNTIME =
  'artifact:// needs the GitHub Actions artifact runtime, which this run does not have: set `storage` to a directory or s3://…';

let service: ArtifactService;
let ArtifactStore: typeof ArtifactStoreClass;
const savedEnv = { ...process.env };
/** What the client printed (workflow commands and progress): kept out of the test log. */
const printed: string[] = [];

beforeAll(async () => {
  jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    printed.push(String(chunk));
    return true;
  });
  service = await startArtifactService();
  useRun(service.run);
  // @actions/github reads GITHUB_API_URL when it is first imported: set the env first.
  ({ ArtifactStore } = await import('../../src/storage/artifact.js'));
}, 60_000);

afterAll(async () => {
  process.env = savedEnv;
  await service?.stop();
});

/** The artifact client reads the runner environment from process.env, as in a real job. */
function useRun(run: FakeRun): void {
  Object.assign(process.env, run.env);
}

let temp: string;
beforeEach(async () => {
  temp = await mkdtemp(join(tmpdir(), 'artifact-store-'));
  useRun(service.run);
  service.faults.quotaExceeded = false;
  service.faults.apiForbidden = false;
});

afterEach(async () => {
  await rm(temp, { recursive: true, force: true });
});

function storeOf(
  name = '',
  settings: ArtifactSettings = {},
  env = process.env,
): ArtifactStoreClass {
  return new ArtifactStore(name, { settings, env, tempDir: temp });
}

function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

async function writeObject(store: ArtifactStoreClass, fileName: string, bytes: Buffer) {
  const writer = await store.openWriter(fileName);
  await pipeline(Readable.from(chunksOf(bytes)), writer.stream);
  return writer.commit();
}

function* chunksOf(bytes: Buffer, size = 64 * 1024): Generator<Buffer> {
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
}

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** Spool and download directories are gone (a reader's once its stream has closed). */
async function expectEmpty(dir: string): Promise<void> {
  for (let i = 0; i < 50 && (await readdir(dir)).length > 0; i += 1)
    await new Promise((resolve) => setTimeout(resolve, 20));
  expect(await readdir(dir)).toEqual([]);
}

/** A fresh backup id per test: artifact names are unique within a run. */
let counter = 0;
function freshId(label = 'app'): string {
  counter += 1;
  return `${label}-20261122T02${String(counter).padStart(4, '0')}Z`;
}

describe('ArtifactStore with the real @actions/artifact client', () => {
  it('uploads unzipped artifacts, lists, reads back by this run and reports ids and locations', async () => {
    const store = storeOf('', { retentionDays: 3 });
    const bytes = randomBytes(3 * 1024 * 1024 + 17);
    const committed = await writeObject(store, DATA, bytes);
    expect(committed.location).toBe(`artifact://${DATA}/${DATA}`);
    expect(committed.artifactId).toEqual(expect.any(Number));
    const manifest = JSON.stringify({ id: ID, object: { sha256: sha256(bytes) } });
    const written = await store.writeSmall(MANIFEST, manifest);
    expect(written.location).toBe(`artifact://${MANIFEST}/${MANIFEST}`);

    const stored = service.artifacts().filter((a) => a.name.startsWith(ID));
    expect(stored.map((a) => a.name).sort()).toEqual([DATA, MANIFEST]);
    const data = stored.find((a) => a.name === DATA);
    expect(data?.id).toBe(committed.artifactId);
    expect(data?.digest).toBe(`sha256:${sha256(bytes)}`);
    expect(sha256(await service.blobBytes(data!))).toBe(sha256(bytes));
    const days = (data!.expiresAt!.getTime() - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(2.9);
    expect(days).toBeLessThan(3.1);

    expect(await isTaken(store, ID)).toBe(true);
    expect(await isTaken(store, 'app-20261122T020001Z')).toBe(false);
    expect(await listManifests(store, 'app')).toContain(MANIFEST);
    expect(await listManifests(store, 'other')).toEqual([]);
    expect(await store.readSmall(MANIFEST)).toBe(manifest);
    expect(sha256(await readAll(await store.openReader(DATA)))).toBe(sha256(bytes));
    await expectEmpty(temp);
    expect(service.calls).toEqual(
      expect.arrayContaining(['CreateArtifact', 'FinalizeArtifact', 'ListArtifacts']),
    );
    expect(service.calls).toContain('GetSignedArtifactURL');
  });
});

describe('artifact://NAME and other runs', () => {
  it('prefixes artifact names with NAME- and keeps stores of different NAMEs apart', async () => {
    const id = freshId();
    const nightly = storeOf('nightly');
    const committed = await nightly.writeSmall(`${id}.manifest.json`, '{}');
    expect(committed.location).toBe(`artifact://nightly-${id}.manifest.json/${id}.manifest.json`);
    expect(service.artifacts().map((a) => a.name)).toContain(`nightly-${id}.manifest.json`);
    expect(await listManifests(nightly, 'app')).toContain(`${id}.manifest.json`);
    expect(await isTaken(nightly, id)).toBe(true);
    expect(await isTaken(storeOf(''), id)).toBe(false);
    expect(await listManifests(storeOf(''), 'app')).not.toContain(`${id}.manifest.json`);
    expect(await isTaken(storeOf('weekly'), id)).toBe(false);
    expect(await nightly.readSmall(`${id}.manifest.json`)).toBe('{}');
  });

  it("reads last night's run with artifact-run-id and github-token through the REST API", async () => {
    const lastNight = service.newRun();
    useRun(lastNight);
    const id = freshId();
    const bytes = randomBytes(1024 * 1024 + 3);
    const written = await writeObject(storeOf(), `${id}.dump`, bytes);
    await storeOf().writeSmall(`${id}.manifest.json`, '{"last":"night"}');
    useRun(service.run);
    expect(await isTaken(storeOf(), id)).toBe(false);

    const calls = service.calls.length;
    const other = storeOf('', { runId: lastNight.runId, token: service.apiToken });
    expect(await listManifests(other, 'app')).toEqual([`${id}.manifest.json`]);
    expect(await isTaken(other, id)).toBe(true);
    expect(await other.readSmall(`${id}.manifest.json`)).toBe('{"last":"night"}');
    expect(sha256(await readAll(await other.openReader(`${id}.dump`)))).toBe(sha256(bytes));
    expect(service.calls.slice(calls)).toEqual(
      expect.arrayContaining(['GET runs/artifacts', 'GET artifact/zip']),
    );
    expect(service.calls.slice(calls)).not.toContain('ListArtifacts');
    const explicit = storeOf('', {
      runId: lastNight.runId,
      repository: service.repository,
      token: service.apiToken,
    });
    expect(await isTaken(explicit, id)).toBe(true);
    expect(written.artifactId).toBe(service.artifacts(lastNight.runId)[0]?.id);
    await expectEmpty(temp);
  });

  it('reads another run without the artifact runtime (REST API only), but cannot write there', async () => {
    const lastNight = service.newRun();
    useRun(lastNight);
    const id = freshId();
    await storeOf().writeSmall(`${id}.manifest.json`, '{}');
    useRun(service.run);
    const env = { GITHUB_REPOSITORY: service.repository, RUNNER_TEMP: temp };
    const other = storeOf('', { runId: lastNight.runId, token: service.apiToken }, env);
    expect(await listManifests(other)).toEqual([`${id}.manifest.json`]);
    await expect(other.writeSmall('x.manifest.json', '{}')).rejects.toThrow(NO_RUNTIME);
  });
});

describe('integrity and deletion', () => {
  it('detects bytes damaged after upload, in this run and through findBy', async () => {
    const id = freshId();
    const bytes = randomBytes(256 * 1024);
    await writeObject(storeOf(), `${id}.dump`, bytes);
    const stored = service.artifacts().find((a) => a.name === `${id}.dump`)!;
    const damaged = Buffer.from(bytes);
    damaged[1000] = (damaged[1000] ?? 0) ^ 0xff;
    await service.overwriteBlob(stored, damaged);

    const pattern = new RegExp(
      `Artifact '${id}\\.dump' \\(id ${stored.id}\\) does not match the digest recorded when it was uploaded \\(sha256:${sha256(bytes)}\\)`,
    );
    await expect(storeOf().openReader(`${id}.dump`)).rejects.toThrow(pattern);
    await expect(storeOf().readSmall(`${id}.dump`)).rejects.toThrow(pattern);
    const viaApi = storeOf('', { runId: service.run.runId, token: service.apiToken });
    await expect(viaApi.openReader(`${id}.dump`)).rejects.toThrow(pattern);
    await expectEmpty(temp);
  });

  it('removes artifacts by name (Twirp DeleteArtifact); a missing one is not an error', async () => {
    const id = freshId();
    const store = storeOf();
    await store.writeSmall(`${id}.manifest.json`, '{}');
    await writeObject(store, `${id}.dump`, randomBytes(1000));
    await store.remove(`${id}.manifest.json`);
    expect(service.calls).toContain('DeleteArtifact');
    expect(await listManifests(store, 'app')).not.toContain(`${id}.manifest.json`);
    expect(await isTaken(store, id)).toBe(true);
    await store.remove(`${id}.dump`);
    expect(await isTaken(store, id)).toBe(false);
    await expect(store.remove(`${id}.dump`)).resolves.toBeUndefined();
  });

  it("removes another run's artifact through the REST API", async () => {
    const lastNight = service.newRun();
    useRun(lastNight);
    const id = freshId();
    await storeOf().writeSmall(`${id}.manifest.json`, '{}');
    useRun(service.run);
    const other = storeOf('', { runId: lastNight.runId, token: service.apiToken });
    await other.remove(`${id}.manifest.json`);
    expect(service.calls).toContain('DELETE artifact/delete');
    expect(service.artifacts(lastNight.runId)).toEqual([]);
    await expect(other.remove(`${id}.manifest.json`)).resolves.toBeUndefined();
  });

  it('aborting a writer uploads nothing and removes the spool file', async () => {
    const id = freshId();
    const writer = await storeOf().openWriter(`${id}.dump`);
    writer.stream.write(randomBytes(1000));
    await writer.abort();
    expect(await isTaken(storeOf(), id)).toBe(false);
    await expectEmpty(temp);
  });
});

/** The error a promise rejects with, checked to be one line. */
async function oneLineError(promise: Promise<unknown>): Promise<string> {
  const error = await promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (e: unknown) => e as Error,
  );
  expect(error.name).toBe('ActionError');
  expect(error.message).not.toContain('\n');
  return error.message;
}

describe('failures, each one clear line', () => {
  it('without the artifact runtime, creating the store fails saying to set storage', () => {
    const env = { RUNNER_TEMP: temp, GITHUB_REPOSITORY: service.repository };
    expect(() => storeOf('', {}, env)).toThrow(NO_RUNTIME);
    expect(() => storeOf('', {}, { ...env, ACTIONS_RUNTIME_TOKEN: 'x' })).toThrow(NO_RUNTIME);
  });

  it('a missing artifact', async () => {
    expect(await oneLineError(storeOf().readSmall('app-20200101T000000Z.manifest.json'))).toMatch(
      /^Downloading artifact 'app-20200101T000000Z\.manifest\.json' of this run failed: no such artifact/,
    );
    const lastNight = service.newRun();
    const other = storeOf('', { runId: lastNight.runId, token: service.apiToken });
    expect(await oneLineError(other.openReader('app-20200101T000000Z.dump'))).toMatch(
      new RegExp(`of run ${lastNight.runId} of octo-org/app failed: no such artifact`),
    );
    const missingRun = storeOf('', { runId: 1, token: service.apiToken });
    expect(await oneLineError(listManifests(missingRun))).toMatch(
      /^Listing the artifacts of run 1 of octo-org\/app failed: not found \(404\)\. Check artifact-run-id/,
    );
  });

  it('an upload refused for quota, and a name already taken in this run', async () => {
    const id = freshId();
    service.faults.quotaExceeded = true;
    expect(await oneLineError(storeOf().writeSmall(`${id}.manifest.json`, '{}'))).toMatch(
      new RegExp(
        `^Uploading artifact '${id}\\.manifest\\.json' was refused: the artifact storage quota`,
      ),
    );
    service.faults.quotaExceeded = false;
    expect(await isTaken(storeOf(), id)).toBe(false);
    await storeOf().writeSmall(`${id}.manifest.json`, '{}');
    expect(await oneLineError(storeOf().writeSmall(`${id}.manifest.json`, '{}'))).toMatch(
      /already exists in this run; a backup is never overwritten/,
    );
    await expectEmpty(temp);
  });

  it('403 from the REST API names the permission github-token needs', async () => {
    service.faults.apiForbidden = true;
    const other = storeOf('', { runId: service.run.runId, token: service.apiToken });
    expect(await oneLineError(listManifests(other))).toMatch(
      /^Listing the artifacts of run \d+ of octo-org\/app failed: GitHub refused access \(403\)\. .*github-token needs the `actions: read` permission/,
    );
    const wrongToken = storeOf('', { runId: service.run.runId, token: 'ghs_wrong' });
    service.faults.apiForbidden = false;
    expect(await oneLineError(wrongToken.readSmall('x.manifest.json'))).toMatch(
      /GitHub refused access \(401\)/,
    );
  });

  it('other run settings without a token or repository, and a NAME artifacts cannot have', () => {
    expect(() => storeOf('', { runId: 5 })).toThrow(/needs github-token/);
    expect(() =>
      storeOf('', { runId: 5, token: 't' }, { ...process.env, GITHUB_REPOSITORY: '' }),
    ).toThrow(/set artifact-repository/);
    expect(() => storeOf('a/b')).toThrow(/Input 'storage': 'artifact:\/\/a\/b' has a character/);
    expect(() => storeOf('a:b')).toThrow(/cannot contain/);
  });

  it('masks the signature of the signed URLs the service hands out', async () => {
    const from = printed.length;
    await storeOf().writeSmall(`${freshId()}.manifest.json`, '{}');
    const masks = printed.slice(from).filter((l) => l.startsWith('::add-mask::'));
    expect(masks.length).toBeGreaterThan(0);
  });
});

describe('memory', () => {
  it('streams a large upload: memory grows far less than the object size', async () => {
    const size = 384 * 1024 * 1024;
    const block = randomBytes(1024 * 1024);
    const id = freshId();
    const writer = await storeOf().openWriter(`${id}.dump`);
    function* blocks() {
      for (let i = 0; i < size / block.length; i += 1) yield block;
    }
    await pipeline(Readable.from(blocks()), writer.stream);
    global.gc?.();
    const before = process.memoryUsage().rss;
    let peak = before;
    const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 25);
    try {
      await writer.commit();
    } finally {
      clearInterval(timer);
    }
    const grown = (peak - before) / 1024 / 1024;
    process.stderr.write(
      `upload of ${size / 1024 / 1024} MiB: RSS grew by ${grown.toFixed(0)} MiB\n`,
    );
    // Whole-file buffering would grow by at least the size; the client's 8 MiB blocks (at most 5
    // in flight) and stream buffers stay near 100 MiB whatever the size (64 MiB: ~90, 512: ~140).
    expect(grown).toBeLessThan(size / 2 / 1024 / 1024);
    const stored = service.artifacts().find((a) => a.name === `${id}.dump`)!;
    expect(stored.size).toBe(size);
  }, 180_000);
});
