// Restore from S3 and from another run's artifacts with dist/index.js, as a runner runs it.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { runAction } from '../helpers/action-process.js';
import { startArtifactService, type ArtifactService } from '../helpers/artifact-service.js';
import { loadSample, tableRowCounts } from '../helpers/db-compare.js';
import {
  availableMajors,
  startCluster,
  type PgCluster,
  type ServerMajor,
} from '../../scripts/lib/pg-cluster.js';
import { S3_CREDENTIALS, startS3Server, type S3Server } from '../../scripts/lib/s3-server.js';

const major = (availableMajors().includes(17) ? 17 : 15) as ServerMajor;
let cluster: PgCluster;
let s3: S3Server;
let service: ArtifactService;

beforeAll(async () => {
  [cluster, s3, service] = await Promise.all([
    startCluster(major),
    startS3Server(['backups']),
    startArtifactService(),
  ]);
  await loadSample(cluster, 'app');
}, 180_000);

afterAll(async () => {
  await Promise.all([cluster?.stop(), s3?.stop(), service?.stop()]);
});

describe('restore from remote storage', () => {
  it('backs up to s3:// and restores from it with the rows proven', async () => {
    const s3Inputs = {
      storage: 's3://backups/nightly/',
      's3-endpoint': s3.endpoint,
      's3-force-path-style': 'true',
    };
    const env = { ...S3_CREDENTIALS, AWS_REGION: 'us-east-1' };
    const backup = await runAction({ 'database-url': cluster.url('app'), ...s3Inputs }, { env });
    expect(backup.errors).toEqual([]);
    const restore = await runAction(
      { command: 'restore', 'target-database-url': cluster.url('from_s3'), ...s3Inputs },
      { env },
    );
    expect(restore.errors).toEqual([]);
    expect(restore.outputs['backup-id']).toBe(backup.outputs['backup-id']);
    expect(restore.outputs.verified).toBe('true');
    expect(await tableRowCounts(cluster, 'from_s3')).toEqual(await tableRowCounts(cluster, 'app'));
  });

  it("restores last night's backup from another run's artifacts", async () => {
    const nightly = service.newRun();
    const backup = await runAction(
      { 'database-url': cluster.url('app'), storage: 'artifact://' },
      { env: nightly.env },
    );
    expect(backup.errors).toEqual([]);
    const restore = await runAction(
      {
        command: 'restore',
        'target-database-url': cluster.url('from_artifact'),
        storage: 'artifact://',
        'artifact-run-id': String(nightly.runId),
        'github-token': service.apiToken,
      },
      { env: service.run.env },
    );
    expect(restore.errors).toEqual([]);
    expect(restore.outputs['backup-id']).toBe(backup.outputs['backup-id']);
    expect(restore.outputs.verified).toBe('true');
    expect(await tableRowCounts(cluster, 'from_artifact')).toEqual(
      await tableRowCounts(cluster, 'app'),
    );
  });
});
