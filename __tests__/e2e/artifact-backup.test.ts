// dist/index.js backing up to workflow artifacts as a runner would run it: the real artifact client
// in the bundle talks to the fake results service, the bytes land in azurite.
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Manifest } from '../../src/catalog/manifest.js';
import { runAction, visibleLog } from '../helpers/action-process.js';
import { startArtifactService, type ArtifactService } from '../helpers/artifact-service.js';
import { loadSample, tableRowCounts } from '../helpers/db-compare.js';
import {
  availableMajors,
  startCluster,
  type PgCluster,
  type ServerMajor,
} from '../../scripts/lib/pg-cluster.js';

const major = (availableMajors().includes(18) ? 18 : 15) as ServerMajor;
let cluster: PgCluster;
let service: ArtifactService;

beforeAll(async () => {
  [cluster, service] = await Promise.all([startCluster(major), startArtifactService()]);
  await loadSample(cluster, 'app');
}, 120_000);

afterAll(async () => {
  await Promise.all([cluster?.stop(), service?.stop()]);
});

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

describe('backup to artifact:// with dist/index.js', () => {
  it('writes the data object and the manifest as two unzipped artifacts named after their files', async () => {
    const run = await runAction(
      {
        'database-url': cluster.url('app'),
        storage: 'artifact://',
        'artifact-retention-days': '5',
      },
      { env: service.run.env },
    );
    expect(run.errors).toEqual([]);
    expect(run.code).toBe(0);
    const o = run.outputs;
    const id = o['backup-id'] ?? '';
    expect(id).toMatch(/^app-\d{8}T\d{6}Z$/);
    const artifacts = service.artifacts().filter((a) => a.name.startsWith(id));
    expect(artifacts.map((a) => a.name).sort()).toEqual([
      `${id}.dump`,
      `${id}.manifest.json`,
      `${id}.recovery.md`,
    ]);
    const data = artifacts.find((a) => a.name === `${id}.dump`)!;
    const manifestArtifact = artifacts.find((a) => a.name === `${id}.manifest.json`)!;
    expect(data.mimeType).not.toBe('application/zip');
    expect(o['artifact-id']).toBe(String(data.id));
    // NAME is the artifact's own name (never empty), FILE the backup's file in it.
    expect(o.location).toBe(`artifact://${id}.dump/${id}.dump`);
    expect(JSON.parse(o.locations ?? '')).toEqual([o.location]);
    expect(o['manifest-location']).toBe(`artifact://${id}.manifest.json/${id}.manifest.json`);

    const bytes = await service.blobBytes(data);
    expect(sha256(bytes)).toBe(o.sha256);
    expect(bytes.length).toBe(Number(o.size));
    expect(data.digest).toBe(`sha256:${o.sha256}`);
    const manifest = JSON.parse(
      (await service.blobBytes(manifestArtifact)).toString('utf8'),
    ) as Manifest;
    expect(manifest.object).toEqual({ key: `${id}.dump`, size: bytes.length, sha256: o.sha256 });
    const counts = await tableRowCounts(cluster, 'app');
    expect(manifest.totalRows).toBe(Object.values(counts).reduce((a, b) => a + b, 0));
    const days = (data.expiresAt!.getTime() - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(4.9);
    expect(days).toBeLessThanOrEqual(5);
    expect(run.summary).toContain(`artifact://${id}.dump/${id}.dump`);
    expect(visibleLog(run)).not.toContain(cluster.password);
  });

  it('artifact://NAME prefixes the artifact names and shows in the locations', async () => {
    const run = await runAction(
      { 'database-url': cluster.url('app'), storage: 'artifact://nightly', format: 'plain' },
      { env: service.run.env },
    );
    expect(run.errors).toEqual([]);
    const id = run.outputs['backup-id'] ?? '';
    expect(run.outputs.location).toBe(`artifact://nightly-${id}.sql.zst/${id}.sql.zst`);
    const names = service.artifacts().map((a) => a.name);
    expect(names).toEqual(
      expect.arrayContaining([`nightly-${id}.sql.zst`, `nightly-${id}.manifest.json`]),
    );
    const data = service.artifacts().find((a) => a.name === `nightly-${id}.sql.zst`)!;
    expect(run.outputs['artifact-id']).toBe(String(data.id));
    expect(sha256(await service.blobBytes(data))).toBe(run.outputs.sha256);
  });

  it('without the artifact runtime the default storage fails with one line saying to set storage', async () => {
    const run = await runAction({ 'database-url': cluster.url('app') });
    expect(run.code).toBe(1);
    expect(run.errors).toEqual([
      'artifact:// needs the GitHub Actions artifact runtime, which this run does not have: set `storage` to a directory or s3://…',
    ]);
    expect(run.outputs).toEqual({});
    expect(run.stdout + run.stderr).not.toMatch(/\n\s+at .+\(.*:\d+:\d+\)/);
  });

  it('a full artifact quota fails the step with one line and leaves no artifact', async () => {
    service.faults.quotaExceeded = true;
    try {
      const before = service.artifacts().length;
      const run = await runAction(
        { 'database-url': cluster.url('app'), storage: 'artifact://' },
        { env: service.run.env },
      );
      expect(run.code).toBe(1);
      expect(run.errors).toHaveLength(1);
      expect(run.errors[0]).toMatch(
        /^Uploading artifact 'app-\d{8}T\d{6}Z\.dump' was refused: the artifact storage quota/,
      );
      expect(service.artifacts()).toHaveLength(before);
    } finally {
      service.faults.quotaExceeded = false;
    }
  });
});
