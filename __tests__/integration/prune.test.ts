// The prune command over a few hundred manufactured backups (real manifests, data objects whose
// SHA-256 matches) spread over more than a year, in a local directory and on s3rver (read back
// with the AWS CLI), run at a clock after the last of them. The expected kept set is computed here
// by grouping, independently of selectExpired; a proxy refusing DELETE of data objects shows what a
// failing delete leaves.
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Manifest } from '../../src/catalog/manifest.js';
import type { PruneReport } from '../../src/outputs/prune.js';
import {
  filesOf,
  manufacture,
  seed,
  seeded,
  type Manufactured,
} from '../helpers/manufactured-backups.js';
import {
  expectEveryManifestWhole,
  localLocation,
  pruneAt,
  s3Location,
  storeAt,
  type Location,
} from '../helpers/prune-locations.js';
import { S3_CREDENTIALS, startS3Server, type S3Server } from '../../scripts/lib/s3-server.js';

const BUCKET = 'backups';
const HOUR = 3_600_000;
/** The clock of the prunes over history(): a day after its last backup. */
const AFTER_HISTORY = new Date('2027-01-11T00:00:00.000Z');
/** A data object of `app` that has no manifest (older than 24 h at AFTER_HISTORY). */
const ORPHAN = 'app-20200101T000000Z.dump';
let s3: S3Server;

beforeAll(async () => {
  Object.assign(process.env, S3_CREDENTIALS, { AWS_EC2_METADATA_DISABLED: 'true' });
  process.env.GITHUB_OUTPUT = join(await mkdtemp(join(tmpdir(), 'prune-out-')), 'output');
  await writeFile(process.env.GITHUB_OUTPUT, '');
  delete process.env.GITHUB_STEP_SUMMARY;
  s3 = await startS3Server([BUCKET]);
}, 60_000);

afterAll(async () => {
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
      [ORPHAN]: 'a data object without a manifest',
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

function s3Place(endpoint = s3.endpoint): Location {
  return s3Location(BUCKET, s3.endpoint, endpoint);
}

/** The prune command at the location, at a clock after the history. */
function prune(location: Location, inputs: Record<string, string>): Promise<PruneReport> {
  return pruneAt(location, inputs, { now: () => AFTER_HISTORY });
}

async function populate(location: Location): Promise<{ app: Manufactured[]; others: string[] }> {
  const store = storeAt(location);
  const app = history();
  const { backups, stray } = bystanders();
  await seed(store, [...app, ...backups]);
  for (const [name, body] of Object.entries(stray)) await store.writeSmall(name, body);
  return { app, others: [...filesOf(backups), ...Object.keys(stray)].sort() };
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
  ['s3rver', () => Promise.resolve(s3Place())],
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
    expect(dry.orphans).toEqual({ deleted: [ORPHAN], left: [] });

    const done = await prune(location, POLICY_INPUTS);
    expect({ ...done, dryRun: true }).toEqual(dry);
    const left = await location.files();
    const gone = new Set([...filesOf(expired), ORPHAN]);
    expect(left).toEqual(all.filter((f) => !gone.has(f)));
    expect(left.filter((f) => others.includes(f))).toEqual(others.filter((f) => f !== ORPHAN));
    expectEveryManifestWhole(await location.download());

    const again = await prune(location, POLICY_INPUTS);
    expect(again.pruned).toEqual([]);
    expect(again.orphans).toEqual({ deleted: [], left: [] });
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
