/** Source databases, the tier's servers and common inputs of the fault tier. */
import { afterAll, afterEach, beforeAll } from '@jest/globals';
import { killAllActions } from './action-process.js';
import { startS3Server, S3_CREDENTIALS, type S3Server } from '../../scripts/lib/s3-server.js';
import type { PgCluster, ServerMajor } from '../../scripts/lib/pg-cluster.js';
import { availableMajors, startCluster } from '../../scripts/lib/pg-cluster.js';

/** The server major the tier runs against (18, which needs the pg_dump 18 client). */
export const MAJOR: ServerMajor = 18;
if (!availableMajors().includes(MAJOR))
  throw new Error(`PostgreSQL ${MAJOR} server missing (run scripts/provision.sh / npm ci)`);

/** The AWS environment for s3rver. */
export const AWS_ENV: Record<string, string> = {
  ...S3_CREDENTIALS,
  AWS_EC2_METADATA_DISABLED: 'true',
  AWS_REGION: 'us-east-1',
};

/** s3rver's secret key (checked like every other secret). */
export const AWS_SECRET = S3_CREDENTIALS.AWS_SECRET_ACCESS_KEY;

/** A small database `name` with `public.t` (1000 rows) and `public.u` (10 rows). */
export async function smallDatabase(cluster: PgCluster, name: string): Promise<void> {
  await cluster.createDatabase(name);
  await cluster.psql(
    `CREATE TABLE t AS SELECT g AS id, md5(g::text) AS v FROM generate_series(1, 1000) g;
     CREATE TABLE u AS SELECT g AS id FROM generate_series(1, 10) g;`,
    name,
  );
}

/**
 * A database `name` whose dump with `compression: none` is about 21 MB: several 8 MiB parts,
 * so an S3 backup is a multipart upload.
 */
export async function multipartDatabase(cluster: PgCluster, name: string): Promise<void> {
  await cluster.createDatabase(name);
  await cluster.psql(
    `CREATE TABLE t AS SELECT g AS id, md5(g::text) || md5(random()::text) AS v FROM generate_series(1, 280000) g`,
    name,
  );
}

/** Inputs of an S3 backup through `endpoint`. */
export function s3Inputs(endpoint: string): Record<string, string> {
  return { 's3-endpoint': endpoint, 's3-force-path-style': 'true' };
}

/**
 * Registers the hooks of a test file that needs a server (with databases `app` and `big`) and a
 * local S3 with `bucket`: `started` receives them; the returned list takes per-test cleanups, run
 * (after every action still running was killed) when each test ends.
 */
export function useServerAndS3(
  bucket: string,
  started: (servers: { cluster: PgCluster; s3: S3Server }) => void,
): (() => Promise<void>)[] {
  const cleanups: (() => Promise<void>)[] = [];
  let servers: { cluster: PgCluster; s3: S3Server } | undefined;
  beforeAll(async () => {
    const [cluster, s3] = await Promise.all([startCluster(MAJOR), startS3Server([bucket])]);
    servers = { cluster, s3 };
    started(servers);
    await Promise.all([smallDatabase(cluster, 'app'), multipartDatabase(cluster, 'big')]);
  }, 120_000);
  afterEach(async () => {
    killAllActions();
    for (const c of cleanups.splice(0)) await c();
  });
  afterAll(async () => {
    await Promise.all([servers?.cluster.stop(), servers?.s3.stop()]);
  });
  return cleanups;
}
