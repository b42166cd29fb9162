// Deleting on S3 and in a directory, on real stores: DeleteObjects batches (1,000 keys a request,
// manifests before data), a prune stopped half-way (a proxy answering 403 to the second
// DeleteObjects) leaving data objects without manifests, which the post step (from the run's
// journal) or the next prune (after 24 h) removes, and two prunes at once.
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { undoLeftover } from '../../src/cleanup.js';
import { ActionError } from '../../src/errors.js';
import { Journal } from '../../src/state.js';
import { filesOf, manufacture, seed, type Manufactured } from '../helpers/manufactured-backups.js';
import {
  expectEveryManifestWhole,
  pruneAt,
  s3Location,
  storeAt,
  type Location,
} from '../helpers/prune-locations.js';
import { readerOf } from '../../scripts/lib/repo.js';
import { errorXml, startS3Proxy, type S3Proxy } from '../helpers/s3-fault-proxy.js';
import { S3_CREDENTIALS, startS3Server, type S3Server } from '../../scripts/lib/s3-server.js';
import { warningsOf } from '../helpers/warnings.js';

const BUCKET = 'deletes';
const HOUR = 3_600_000;
let s3: S3Server;
const proxies: S3Proxy[] = [];

beforeAll(async () => {
  Object.assign(process.env, S3_CREDENTIALS, { AWS_EC2_METADATA_DISABLED: 'true' });
  process.env.GITHUB_OUTPUT = join(await mkdtemp(join(tmpdir(), 'prune-out-')), 'output');
  await writeFile(process.env.GITHUB_OUTPUT, '');
  delete process.env.GITHUB_STEP_SUMMARY;
  s3 = await startS3Server([BUCKET]);
}, 60_000);

afterAll(async () => {
  await Promise.all(proxies.map((p) => p.stop()));
  await s3?.stop();
});

/** `n` backups of `app`, one every 6 hours before now (the newest 3 h ago), newest first. */
async function populateRecent(location: Location, n = 10): Promise<Manufactured[]> {
  const now = Date.now();
  const app = Array.from({ length: n }, (_, i) =>
    manufacture('app', new Date(now - 3 * HOUR - i * 6 * HOUR)),
  );
  await seed(storeAt(location), app);
  return app;
}

/**
 * A proxy in front of the S3 server that sees every request and passes it, or refuses a
 * DeleteObjects request when `refuse` says so (and any single DELETE of a data object).
 */
async function proxied(refuse: () => boolean): Promise<{ location: Location; proxy: S3Proxy }> {
  const proxy = await startS3Proxy(s3.endpoint, (req) =>
    (req.method === 'POST' && /[?&]delete/.test(req.url ?? '') && refuse()) ||
    (req.method === 'DELETE' && /\.dump(\?|$)/.test(req.url ?? ''))
      ? { status: 403, body: errorXml('AccessDenied', 'Access Denied') }
      : 'pass',
  );
  proxies.push(proxy);
  return { location: s3Location(BUCKET, s3.endpoint, proxy.endpoint), proxy };
}

/** A location behind a proxy that refuses every DeleteObjects request after the first. */
function refusingSecondBatch(): Promise<{ location: Location; proxy: S3Proxy }> {
  let batches = 0;
  return proxied(() => (batches += 1) > 1);
}

/** The same location, reached directly (the proxy gone). */
function direct(location: Location): Location {
  return { ...location, inputs: { ...location.inputs, 's3-endpoint': s3.endpoint } };
}

const isDelete = (request: string) => request.startsWith('DELETE') || /[?&]delete/.test(request);

describe('deleting on S3', () => {
  it('deletes with DeleteObjects, 1,000 keys a request, all manifests of a batch first', async () => {
    const { location, proxy } = await proxied(() => false);
    const app = await populateRecent(location, 1010);
    const report = await pruneAt(location, { 'keep-last': '5' });
    expect(report.pruned).toHaveLength(1005);
    // Per batch its manifests, then their data objects and verification records (absent here, and
    // deleted all the same): 1,000 manifests, 2,000 keys in two requests, 5 manifests, 10 keys.
    expect(proxy.seen.filter(isDelete)).toEqual(Array(5).fill(expect.stringMatching(/^POST /)));
    expect(await location.files()).toEqual(filesOf(app.slice(0, 5)).sort());
  }, 180_000);

  it('a prune stopped between manifests and data objects leaves them to the post step', async () => {
    const { location, proxy } = await refusingSecondBatch();
    const app = await populateRecent(location);
    const before = await location.files();
    const journal = Journal.in(await mkdtemp(join(tmpdir(), 'prune-journal-')));
    const kept = app[0];
    const error = await pruneAt(location, { 'keep-last': '5' }, { journal }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ActionError);
    const afterPrune = await location.files();
    expectEveryManifestWhole(await location.download());

    // The post step replays the journal; an entry whose manifest is still there is kept.
    journal.add({ kind: 'orphan', storage: 0, key: kept.dataFile, manifest: kept.manifestFile });
    const cleanup = {
      read: readerOf({ ...direct(location).inputs, label: 'app' }),
      mask: () => undefined,
      cwd: '/',
      env: process.env,
      workspace: tmpdir(),
    };
    for (const entry of journal.pending()) await undoLeftover(entry, cleanup);
    expect(await location.files()).toEqual(filesOf(app.slice(0, 5)).sort());

    const expired = app.slice(5);
    const manifests = new Set(expired.map((b) => b.manifestFile));
    expect(afterPrune).toEqual(before.filter((f) => !manifests.has(f)));
    for (const b of expired) expect((error as Error).message).toContain(b.dataFile);
    expect((error as Error).message).toContain('no backups any more');
    expect(proxy.seen.filter((r) => r.startsWith('DELETE'))).toEqual([]);
  });

  it('the next prune reports objects without a manifest, and deletes them after 24 h', async () => {
    const { location } = await refusingSecondBatch();
    const app = await populateRecent(location);
    await pruneAt(location, { 'keep-last': '5' }).catch(() => undefined);
    const orphans = app
      .slice(5)
      .map((b) => b.dataFile)
      .sort();
    const young = await warningsOf(() => pruneAt(direct(location), { 'keep-last': '5' }));
    expect(young.result?.orphans).toEqual({ deleted: [], left: orphans });
    expect(young.warnings.filter((w) => w.includes('no manifest'))).toHaveLength(1);
    for (const name of orphans) expect(young.warnings.join('\n')).toContain(name);
    const later = () => new Date(Date.now() + 25 * HOUR);
    const dry = await pruneAt(
      direct(location),
      { 'keep-last': '5', 'dry-run': 'true' },
      { now: later },
    );
    expect(dry.orphans).toEqual({ deleted: orphans, left: [] });
    expect((await location.files()).filter((f) => orphans.includes(f))).toEqual(orphans);
    const old = await pruneAt(direct(location), { 'keep-last': '5' }, { now: later });
    expect(old.orphans).toEqual({ deleted: orphans, left: [] });
    expect(await location.files()).toEqual(filesOf(app.slice(0, 5)).sort());
  });
});

describe('two prunes at once', () => {
  it('the slower one does not warn about manifests the other deleted meanwhile', async () => {
    const location = s3Location(BUCKET, s3.endpoint);
    const app = await populateRecent(location, 100);
    // The slower prune reads each manifest 100 ms late: the other one lists, reads and deletes first.
    const proxy = await startS3Proxy(s3.endpoint, (req) =>
      req.method === 'GET' && /\.manifest\.json/.test(req.url ?? '') ? { delayMs: 100 } : 'pass',
    );
    proxies.push(proxy);
    const slow = { ...location, inputs: { ...location.inputs, 's3-endpoint': proxy.endpoint } };
    const runs = await warningsOf(() =>
      Promise.allSettled([
        pruneAt(slow, { 'keep-last': '5' }),
        pruneAt(location, { 'keep-last': '5' }),
      ]),
    );
    expect(runs.result?.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled']);
    expect(runs.warnings.filter((w) => /manifest/.test(w))).toEqual([]);
    expect(await location.files()).toEqual(filesOf(app.slice(0, 5)).sort());
  });
});
