// The prune command over a few hundred manufactured backups (real manifests, data objects whose
// SHA-256 matches) spread over more than a year, in a local directory and on s3rver (read back
// with the AWS CLI). The expected kept set is computed here by grouping, independently of
// selectExpired; a proxy refusing DELETE of data objects shows what a failing delete leaves.
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { parseManifest, type Manifest } from '../../src/catalog/manifest.js';
import { runPrune } from '../../src/commands/prune.js';
import { ActionError } from '../../src/errors.js';
import { readPruneSettings } from '../../src/inputs/prune.js';
import { createStore } from '../../src/storage/create-store.js';
import type { PruneReport } from '../../src/outputs/prune.js';
import {
  filesOf,
  manufacture,
  seed,
  seeded,
  type Manufactured,
} from '../helpers/manufactured-backups.js';
import { readerOf } from '../helpers/repo.js';
import {
  awsCli,
  errorXml,
  listedKeys,
  S3_CREDENTIALS,
  startS3Proxy,
  startS3Server,
  type S3Proxy,
  type S3Server,
} from '../helpers/s3-server.js';

const BUCKET = 'backups';
const HOUR = 3_600_000;
let s3: S3Server;
const proxies: S3Proxy[] = [];
let prefixes = 0;

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

/** Backups of `app` from 2025-10-01 to 2027-01-10: gaps of 2 to 60 hours, some of weeks. */
function history(): Manufactured[] {
  const random = seeded(20261122);
  const backups: Manufactured[] = [];
  let t = Date.parse('2025-10-01T00:00:00.000Z');
  const end = Date.parse('2027-01-10T00:00:00.000Z');
  while (t < end) {
    backups.push(manufacture('app', new Date(t + Math.floor(random() * 1000))));
    const weeks = random() < 0.03 ? 14 * 24 * HOUR : 0;
    t += 2 * HOUR + Math.floor(random() * 58 * HOUR) + weeks;
  }
  return backups;
}

/** Everything at the location that is not label `app`'s, or not a backup. */
function bystanders(): { backups: Manufactured[]; stray: Record<string, string> } {
  const old = (label: string, i: number) =>
    manufacture(label, new Date(Date.parse('2024-01-01T00:00:00Z') + i * 24 * HOUR));
  return {
    backups: [0, 1, 2].flatMap((i) => [old('app-staging', i), old('other', i), old('app.v1', i)]),
    stray: {
      'notes.txt': 'not a backup',
      'app-20200101T000000Z.dump': 'a data object without a manifest',
      'app-20200101T000000Z.dump.partial': 'whatever this is',
    },
  };
}

const utcDay = (d: Date) => `${d.getUTCFullYear()}/${d.getUTCMonth() + 1}/${d.getUTCDate()}`;
/** The date of the Monday that starts d's ISO week: the same grouping as ISO week numbers. */
const monday = (d: Date) =>
  new Date(
    Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() - ((d.getUTCDay() + 6) % 7)),
  ).toDateString();

/** The kept ids, computed by grouping: the newest of each bucket, the N newest buckets. */
function expectedKept(backups: Manifest[], policy: Record<string, number>): Set<string> {
  const sorted = [...backups].sort((a, b) => Date.parse(b.createdAt) - Date.parse(a.createdAt));
  const newest = Date.parse(sorted[0]?.createdAt ?? '');
  const keys: Record<string, (d: Date) => string> = {
    last: (d) => d.toISOString(),
    daily: utcDay,
    weekly: monday,
    monthly: (d) => String(d.getUTCFullYear() * 12 + d.getUTCMonth()),
    yearly: (d) => String(d.getUTCFullYear()),
  };
  const kept = new Set<string>([sorted[0]?.id ?? '']);
  for (const [rule, keyOf] of Object.entries(keys)) {
    const n = policy[rule];
    if (!n) continue;
    const newestOfBucket = new Map<string, string>();
    for (const b of sorted) {
      const key = keyOf(new Date(b.createdAt));
      if (!newestOfBucket.has(key)) newestOfBucket.set(key, b.id);
    }
    for (const id of [...newestOfBucket.values()].slice(0, n)) kept.add(id);
  }
  const within = policy.withinHours;
  if (within)
    for (const b of sorted) if (newest - Date.parse(b.createdAt) <= within * HOUR) kept.add(b.id);
  return kept;
}

/** A location as the test sees it, independently of the store under test. */
interface Location {
  inputs: Record<string, string>;
  /** File names at the location (directory entries, or keys without the prefix via the AWS CLI). */
  files(): Promise<string[]>;
  /** Every file's bytes, read back. */
  download(): Promise<Map<string, Buffer>>;
}

async function localLocation(): Promise<Location> {
  const dir = await mkdtemp(join(tmpdir(), 'prune-store-'));
  const files = async () => (await readdir(dir)).sort();
  return {
    inputs: { storage: dir },
    files,
    download: async () =>
      new Map(
        await Promise.all(
          (await files()).map(async (f) => [f, await readFile(join(dir, f))] as const),
        ),
      ),
  };
}

function s3Location(endpoint = s3.endpoint): Location {
  const prefix = `p${(prefixes += 1)}/nightly/`;
  const files = async () =>
    (await listedKeys(BUCKET, prefix, s3.endpoint)).map((k) => k.slice(prefix.length)).sort();
  return {
    inputs: {
      storage: `s3://${BUCKET}/${prefix}`,
      's3-endpoint': endpoint,
      's3-force-path-style': 'true',
    },
    files,
    download: async () => {
      const dir = await mkdtemp(join(tmpdir(), 'prune-s3-copy-'));
      const run = await awsCli(
        ['s3', 'cp', '--recursive', '--quiet', `s3://${BUCKET}/${prefix}`, dir],
        s3.endpoint,
      );
      if (run.code !== 0) throw new Error(run.stderr);
      const names = (await readdir(dir)).sort();
      return new Map(
        await Promise.all(names.map(async (f) => [f, await readFile(join(dir, f))] as const)),
      );
    },
  };
}

function settingsFor(location: Location, inputs: Record<string, string>) {
  return readPruneSettings(
    readerOf({ ...location.inputs, label: 'app', ...inputs }),
    () => undefined,
    '/',
  );
}

async function prune(location: Location, inputs: Record<string, string>): Promise<PruneReport> {
  const workspace = await mkdtemp(join(tmpdir(), 'prune-ws-'));
  return runPrune(settingsFor(location, inputs), {
    env: process.env,
    workspace,
    now: () => new Date(),
  });
}

async function populate(location: Location): Promise<{ app: Manufactured[]; others: string[] }> {
  const settings = settingsFor(location, { 'keep-last': '1' });
  const store = createStore(settings.storage, { s3: settings.s3, env: process.env });
  const app = history();
  const { backups, stray } = bystanders();
  await seed(store, [...app, ...backups]);
  for (const [name, body] of Object.entries(stray)) await store.writeSmall(name, body);
  return { app, others: [...filesOf(backups), ...Object.keys(stray)].sort() };
}

function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

/** Every manifest left has its data object, whose bytes match the manifest. */
function expectEveryManifestWhole(files: Map<string, Buffer>): void {
  for (const [name, body] of files) {
    if (!name.endsWith('.manifest.json')) continue;
    const m = parseManifest(body.toString('utf8'), name);
    const data = files.get(m.object.key);
    expect(data && sha256(data)).toBe(m.object.sha256);
  }
}

const POLICY = { last: 4, daily: 10, weekly: 8, monthly: 6, yearly: 3, withinHours: 60 };
const POLICY_INPUTS = {
  'keep-last': '4',
  'keep-daily': '10',
  'keep-weekly': '8',
  'keep-monthly': '6',
  'keep-yearly': '3',
  'keep-within': '2d12h',
};

describe.each([
  ['a local directory', localLocation],
  ['s3rver', () => Promise.resolve(s3Location())],
])('prune in %s', (_name, make) => {
  it('keeps exactly what the rules keep, a dry run first, touching nothing else', async () => {
    const location = await make();
    const { app, others } = await populate(location);
    expect(app.length).toBeGreaterThan(250);
    const all = await location.files();
    const kept = expectedKept(
      app.map((b) => b.manifest),
      POLICY,
    );
    const expired = app.filter((b) => !kept.has(b.manifest.id));
    expect(expired.length).toBeGreaterThan(200);

    const dry = await prune(location, { ...POLICY_INPUTS, 'dry-run': 'true' });
    expect(await location.files()).toEqual(all);
    expect(new Set(dry.kept.map((k) => k.id))).toEqual(kept);
    expect([...dry.pruned].sort()).toEqual(expired.map((b) => b.manifest.id).sort());

    const done = await prune(location, POLICY_INPUTS);
    expect({ ...done, dryRun: true }).toEqual(dry);
    const left = await location.files();
    const gone = new Set(filesOf(expired));
    expect(left).toEqual(all.filter((f) => !gone.has(f)));
    expect(left.filter((f) => others.includes(f))).toEqual(others);
    expectEveryManifestWhole(await location.download());

    const again = await prune(location, POLICY_INPUTS);
    expect(again.pruned).toEqual([]);
    expect(new Set(again.kept.map((k) => k.id))).toEqual(kept);
  });

  it('keep-weekly buckets ISO weeks across week 53 of 2026 like Monday-started weeks', async () => {
    const location = await make();
    const { app } = await populate(location);
    const report = await prune(location, { 'keep-weekly': '30', 'dry-run': 'true' });
    expect(new Set(report.kept.map((k) => k.id))).toEqual(
      expectedKept(
        app.map((b) => b.manifest),
        { weekly: 30 },
      ),
    );
    const byWeek53 = report.kept.filter(
      (k) => k.createdAt >= '2026-12-28' && k.createdAt < '2027-01-04',
    );
    expect(byWeek53).toHaveLength(1);
  });
});

describe('a failing delete on S3', () => {
  it('leaves the backup it failed on without manifest and every other one whole', async () => {
    const proxy = await startS3Proxy(s3.endpoint, (req) =>
      req.method === 'DELETE' && /\.dump(\?|$)/.test(req.url ?? '')
        ? { status: 403, body: errorXml('AccessDenied', 'Access Denied') }
        : 'pass',
    );
    proxies.push(proxy);
    const location = s3Location(proxy.endpoint);
    const { app } = await populate(location);
    const before = await location.files();
    const error = await prune(location, { 'keep-last': '5' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ActionError);
    const oldest = [...app].sort((a, b) =>
      a.manifest.createdAt.localeCompare(b.manifest.createdAt),
    )[0];
    expect((error as Error).message).toContain(oldest.dataFile);
    expect((error as Error).message).toContain('no backup any more');
    expect(await location.files()).toEqual(before.filter((f) => f !== oldest.manifestFile));
    expectEveryManifestWhole(await location.download());
    expect(proxy.seen.filter((s) => s.startsWith('DELETE'))).toHaveLength(2);
  });
});
