// The verify command in-process on real components: PostgreSQL servers (pg-cluster), a local
// directory, a local S3 (s3rver) and artifact storage (the real @actions/artifact client against the
// results-service fake + azurite). Backups are written by the real backup command.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { generateX25519Identity, identityToRecipient } from 'age-encryption';
import { serializeManifest, type Manifest } from '../../src/catalog/manifest.js';
import { manifestName } from '../../src/catalog/naming.js';
import { runVerify } from '../../src/commands/verify.js';
import { readVerifySettings } from '../../src/inputs/verify.js';
import { startArtifactService, type ArtifactService } from '../helpers/artifact-service.js';
import { backupWith, runStory } from '../helpers/command-run.js';
import { loadSample, tableRowCounts } from '../helpers/db-compare.js';
import { startCluster, type PgCluster } from '../../scripts/lib/pg-cluster.js';
import { Journal } from '../../src/state.js';
import { readerOf } from '../../scripts/lib/repo.js';
import { S3_CREDENTIALS, startS3Server, type S3Server } from '../../scripts/lib/s3-server.js';

const BUCKET = 'verify-backups';
let pg18: PgCluster;
let pg15: PgCluster;
let s3: S3Server;
let s3client: S3Client;
let service: ArtifactService;
let places = 0;

beforeAll(async () => {
  // The artifact client prints workflow commands and progress: kept out of the test log.
  jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
  [pg18, pg15, s3, service] = await Promise.all([
    startCluster(18),
    startCluster(15),
    startS3Server([BUCKET]),
    startArtifactService(),
  ]);
  Object.assign(process.env, S3_CREDENTIALS, service.run.env, {
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_REGION: 'us-east-1',
  });
  delete process.env.GITHUB_STEP_SUMMARY;
  s3client = new S3Client({
    endpoint: s3.endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
  });
  await Promise.all([loadSample(pg18, 'app'), loadSample(pg15, 'app')]);
}, 300_000);

afterAll(async () => {
  s3client?.destroy();
  await Promise.all([pg18?.stop(), pg15?.stop(), s3?.stop(), service?.stop()]);
});

/** A fresh, empty storage location and how to read, write and delete its files. */
interface Place {
  inputs: Record<string, string>;
  read(name: string): Promise<Buffer>;
  put(name: string, body: Buffer | string): Promise<void>;
  remove(name: string): Promise<void>;
}

async function localPlace(): Promise<Place> {
  const dir = await mkdtemp(join(tmpdir(), 'verify-local-'));
  return {
    inputs: { storage: dir },
    read: (name) => readFile(join(dir, name)),
    put: (name, body) => writeFile(join(dir, name), body),
    remove: (name) => rm(join(dir, name)),
  };
}

function s3Place(): Promise<Place> {
  const prefix = `p${(places += 1)}/nightly/`;
  const Key = (name: string) => `${prefix}${name}`;
  return Promise.resolve({
    inputs: {
      storage: `s3://${BUCKET}/${prefix}`,
      's3-endpoint': s3.endpoint,
      's3-force-path-style': 'true',
    },
    read: async (name) => {
      const got = await s3client.send(new GetObjectCommand({ Bucket: BUCKET, Key: Key(name) }));
      return Buffer.from((await got.Body?.transformToByteArray()) ?? []);
    },
    put: async (name, body) => {
      await s3client.send(new PutObjectCommand({ Bucket: BUCKET, Key: Key(name), Body: body }));
    },
    remove: async (name) => {
      await s3client.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: Key(name) }));
    },
  });
}

/** Verify's outputs, as the runner would read them from GITHUB_OUTPUT. */
type Outputs = Record<string, string>;

/** Runs verify in-process (command-run.ts): its report and outputs; throws its error. */
const verifyWith = (inputs: Record<string, string>) => runStory('verify', inputs);

const databaseExists = async (c: PgCluster, db: string) =>
  (await c.psql(`SELECT count(*) FROM pg_database WHERE datname = '${db}'`)).trim() === '1';

function expectVerified(outputs: Outputs, manifest: Manifest): void {
  expect(outputs['backup-id']).toBe(manifest.id);
  expect(outputs.sha256).toBe(manifest.object.sha256);
  expect(outputs.verified).toBe('true');
  expect(outputs.tables).toBe(String(manifest.tables.length));
  expect(outputs.rows).toBe(String(manifest.totalRows));
}

describe.each([
  ['a local directory', localPlace],
  ['S3 (s3rver)', s3Place],
])('verify on %s', (_, newPlace) => {
  it.each(['custom', 'plain', 'directory'])(
    'verifies a good %s-format backup: checksum, full read, row counts',
    async (format) => {
      const place = await newPlace();
      const { manifest } = await backupWith({
        'database-url': pg18.url('app'),
        format,
        ...place.inputs,
      });
      expect(manifest.totalRows).toBeGreaterThan(0);
      const { report, outputs } = await verifyWith(place.inputs);
      expectVerified(outputs, manifest);
      expect(outputs.duration).toBe('');
      expect(report.archive.mismatches).toEqual([]);
      expect(report.archive.rows).toHaveLength(manifest.tables.length);
    },
  );

  it('verifies a backup encrypted to age recipients, and names a wrong identity', async () => {
    const place = await newPlace();
    const identity = await generateX25519Identity();
    const { manifest } = await backupWith({
      'database-url': pg18.url('app'),
      'age-recipients': await identityToRecipient(identity),
      ...place.inputs,
    });
    const { outputs } = await verifyWith({ ...place.inputs, 'age-identity': identity });
    expectVerified(outputs, manifest);
    const wrong = await generateX25519Identity();
    await expect(verifyWith({ ...place.inputs, 'age-identity': wrong })).rejects.toThrow(
      /Cannot decrypt the backup: it is encrypted to age1\w+, and the given age-identity \/ age-passphrase does not match it/,
    );
  });

  it('fails on a flipped byte, a missing manifest and edited row counts', async () => {
    const place = await newPlace();
    const { manifest } = await backupWith({ 'database-url': pg18.url('app'), ...place.inputs });
    const key = manifest.object.key;
    const original = await place.read(key);
    const flipped = Buffer.from(original);
    flipped[Math.floor(flipped.length / 2)] ^= 0xff;
    await place.put(key, flipped);
    await expect(verifyWith(place.inputs)).rejects.toThrow(/Checksum mismatch/);
    await place.put(key, original);

    // Row counts edited in the manifest: the data object's sha256 in it stays right.
    const edited = structuredClone(manifest);
    const orders = edited.tables.find((t) => t.schema === 'app' && t.name === 'orders');
    if (!orders) throw new Error('the sample has app.orders');
    orders.rows += 1;
    edited.totalRows += 1;
    await place.put(manifestName(manifest.id), serializeManifest(edited));
    await expect(verifyWith(place.inputs)).rejects.toThrow(
      /did not verify: The archive row counts differ from the manifest for 1 table \(app\.orders: \d+, \d+ in the manifest\)/,
    );

    await place.remove(manifestName(manifest.id));
    await expect(verifyWith(place.inputs)).rejects.toThrow(/No backups \(manifests\) found/);
    await expect(verifyWith({ ...place.inputs, label: 'app' })).rejects.toThrow(
      /No backup with label 'app'/,
    );
  });
});

describe('verify on artifact storage', () => {
  it("verifies a backup in this run's artifacts", async () => {
    const inputs = { storage: 'artifact://' };
    const { manifest } = await backupWith({ 'database-url': pg18.url('app'), ...inputs });
    const { outputs } = await verifyWith(inputs);
    expectVerified(outputs, manifest);
  });
});

describe('the restore drill', () => {
  let dir: string;
  let manifest: Manifest;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'verify-drill-'));
    ({ manifest } = await backupWith({ 'database-url': pg18.url('app'), storage: dir }));
  });

  it('creates a missing database, restores, compares rows, runs amcheck and drops it', async () => {
    const { report, outputs } = await verifyWith({
      storage: dir,
      'target-database-url': pg18.url('drill_new'),
    });
    expectVerified(outputs, manifest);
    expect(Number(outputs.duration)).toBeGreaterThan(0);
    const drill = report.drill;
    expect(drill?.created).toBe(true);
    expect(drill?.comparison.rows).toHaveLength(manifest.tables.length);
    expect(drill?.comparison.mismatches).toEqual([]);
    expect(drill?.amcheck).toEqual({
      available: true,
      created: true,
      checked: expect.any(Number),
      failures: [],
    });
    expect(drill?.amcheck.available && drill.amcheck.checked).toBeGreaterThanOrEqual(8);
    expect(await databaseExists(pg18, 'drill_new')).toBe(false);
  });

  it('restores into an existing empty database and keeps it, without the amcheck it added', async () => {
    await pg18.createDatabase('drill_empty');
    const { report } = await verifyWith({
      storage: dir,
      'target-database-url': pg18.url('drill_empty'),
    });
    expect(report.drill?.created).toBe(false);
    expect(await tableRowCounts(pg18, 'drill_empty')).toEqual(await tableRowCounts(pg18, 'app'));
    const extensions = await pg18.psql(
      "SELECT count(*) FROM pg_extension WHERE extname = 'amcheck'",
      'drill_empty',
    );
    expect(extensions.trim()).toBe('0');
  });

  it('refuses a database with user tables and leaves it unchanged', async () => {
    await pg18.createDatabase('drill_busy');
    await pg18.psql('CREATE TABLE keep_me (x int); INSERT INTO keep_me VALUES (1)', 'drill_busy');
    await expect(
      verifyWith({ storage: dir, 'target-database-url': pg18.url('drill_busy') }),
    ).rejects.toThrow(/drill database 'drill_busy' already has 1 user table; nothing was changed/);
    expect(await tableRowCounts(pg18, 'drill_busy')).toEqual({ 'public.keep_me': 1 });
  });

  it('drops the database it created when the restore fails half-way', async () => {
    // A new database is a copy of template1: a clashing table there makes the restore fail (an
    // existing schema alone is used as it is, as on a provider).
    await pg18.psql('CREATE SCHEMA app; CREATE TABLE app.customers (x int)', 'template1');
    try {
      await expect(
        verifyWith({ storage: dir, 'target-database-url': pg18.url('drill_fails') }),
      ).rejects.toThrow(
        /restore drill failed and the database it created was dropped: pg_restore failed/,
      );
    } finally {
      await pg18.psql('DROP SCHEMA app CASCADE', 'template1');
    }
    expect(await databaseExists(pg18, 'drill_fails')).toBe(false);
  });

  it('says amcheck is not available when the extension cannot be created, and still passes', async () => {
    const store = await mkdtemp(join(tmpdir(), 'verify-drill-15-'));
    const { manifest: m15 } = await backupWith({ 'database-url': pg15.url('app'), storage: store });
    // amcheck is not a trusted extension: a role that may create databases may not create it.
    await pg15.psql("CREATE ROLE driller LOGIN CREATEDB PASSWORD 'drill-pass'");
    const url = pg15.url('drill_plain_role', { user: 'driller', password: 'drill-pass' });
    const { report, outputs } = await verifyWith({ storage: store, 'target-database-url': url });
    expectVerified(outputs, m15);
    expect(report.drill?.comparison.mismatches).toEqual([]);
    expect(report.drill?.amcheck).toEqual({
      available: false,
      reason: expect.stringMatching(/permission denied to create extension "amcheck"/),
    });
    expect(await databaseExists(pg15, 'drill_plain_role')).toBe(false);
  });
});

describe('a cancelled restore drill', () => {
  it('drops the database it created and leaves nothing in the journal', async () => {
    await pg18.createDatabase('big');
    await pg18.psql(
      'CREATE TABLE t AS SELECT g, md5(g::text) AS h FROM generate_series(1, 1500000) g; CREATE INDEX ON t (h)',
      'big',
    );
    const store = await mkdtemp(join(tmpdir(), 'verify-cancel-'));
    await backupWith({ 'database-url': pg18.url('big'), storage: store });
    const settings = readVerifySettings(
      readerOf({ storage: store, 'target-database-url': pg18.url('drill_cancelled') }),
      () => undefined,
      process.cwd(),
    );
    const workspace = await mkdtemp(join(tmpdir(), 'ws-verify-'));
    const journal = Journal.in(workspace);
    const controller = new AbortController();
    // Cancel (as SIGTERM does) as soon as the drill database exists: mid-restore.
    const watcher = (async () => {
      while (!controller.signal.aborted) {
        if (await databaseExists(pg18, 'drill_cancelled')) controller.abort('SIGTERM');
        else await new Promise((r) => setTimeout(r, 20));
      }
    })();
    const ctx = { env: process.env, workspace, now: () => new Date(), journal };
    await expect(runVerify(settings, { ...ctx, signal: controller.signal })).rejects.toThrow(
      /restore drill failed and the database it created was dropped/,
    );
    controller.abort('done');
    await watcher;
    expect(await databaseExists(pg18, 'drill_cancelled')).toBe(false);
    expect(journal.pending()).toEqual([]);
  }, 180_000);
});
