/**
 * A local S3 for the tests and the bench: s3rver (path-style, on 127.0.0.1 and a free port, data in
 * a temp dir, in a child process: see s3rver-process.ts) and the real AWS CLI to read back what was
 * written. s3rver ignores If-None-Match on writes (it overwrites). The tests' fault-injecting proxy
 * is __tests__/helpers/s3-fault-proxy.ts.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { collectProcess, type Collected } from './spawn.js';

/** The credentials s3rver accepts (its built-in dummy account). */
export const S3_CREDENTIALS = { AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER' };

/** A running local S3. */
export interface S3Server {
  /** `http://127.0.0.1:PORT` */
  endpoint: string;
  /** s3rver's data directory. */
  directory: string;
  stop(): Promise<void>;
}

const MAIN = join(dirname(fileURLToPath(import.meta.url)), 's3rver-process.ts');

/**
 * Starts s3rver with the given buckets in a child process. s3rver makes ListObjectsV2 continuation
 * tokens with DES, which OpenSSL 3 only has in its legacy provider: without
 * `--openssl-legacy-provider` every listing of more than 1000 keys fails with a 500.
 */
export async function startS3Server(buckets: string[]): Promise<S3Server> {
  const directory = await mkdtemp(join(tmpdir(), 's3rver-'));
  const child = spawn(
    process.execPath,
    ['--openssl-legacy-provider', '--no-warnings', MAIN, directory, ...buckets],
    { stdio: ['pipe', 'pipe', 'inherit'], env: { PATH: process.env.PATH } },
  );
  const port = await firstLine(child);
  const exited = new Promise((resolve) => child.once('exit', resolve));
  return {
    endpoint: `http://127.0.0.1:${port}`,
    directory,
    stop: async () => {
      child.stdin?.end();
      await exited;
      await rm(directory, { recursive: true, force: true });
    },
  };
}

function firstLine(child: ChildProcess): Promise<number> {
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /^port (\d+)\n/.exec(out);
      if (m) resolve(Number(m[1]));
    });
    child.once('exit', (code) => reject(new Error(`s3rver exited with ${code}`)));
    child.once('error', reject);
  });
}

/** The AWS CLI: Debian's /usr/bin/aws when installed (scripts/provision.sh), else the one on PATH. */
export function awsBinary(): string {
  return existsSync('/usr/bin/aws') ? '/usr/bin/aws' : 'aws';
}

/** Runs `aws --endpoint-url ENDPOINT ARGS…` with s3rver's credentials; never throws on exit codes. */
export function awsCli(args: string[], endpoint: string): Promise<Collected> {
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    ...S3_CREDENTIALS,
    AWS_DEFAULT_REGION: 'us-east-1',
    AWS_CONFIG_FILE: '/dev/null',
    AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
    AWS_PAGER: '',
    AWS_EC2_METADATA_DISABLED: 'true',
    // Newer CLIs add CRC32 trailers to uploads, which s3rver would store as part of the body.
    AWS_REQUEST_CHECKSUM_CALCULATION: 'when_required',
    AWS_RESPONSE_CHECKSUM_VALIDATION: 'when_required',
  };
  return collectProcess(awsBinary(), ['--endpoint-url', endpoint, ...args], { env });
}

/** Keys of the multipart uploads pending in a bucket, through `aws s3api list-multipart-uploads`. */
export async function pendingUploads(bucket: string, endpoint: string): Promise<string[]> {
  const run = await awsCli(
    ['s3api', 'list-multipart-uploads', '--bucket', bucket, '--output', 'json'],
    endpoint,
  );
  if (run.code !== 0) throw new Error(`aws s3api list-multipart-uploads failed: ${run.stderr}`);
  const parsed = (run.stdout.trim() ? JSON.parse(run.stdout) : {}) as {
    Uploads?: { Key: string }[];
  };
  return (parsed.Uploads ?? []).map((u) => u.Key);
}

/** Keys under `s3://bucket/prefix` through `aws s3 ls --recursive` (empty when there are none). */
export async function listedKeys(
  bucket: string,
  prefix: string,
  endpoint: string,
): Promise<string[]> {
  const run = await awsCli(['s3', 'ls', '--recursive', `s3://${bucket}/${prefix}`], endpoint);
  // `aws s3 ls` exits 1 without a word when nothing matches.
  if (run.code !== 0 && run.stderr.trim()) throw new Error(`aws s3 ls failed: ${run.stderr}`);
  return run.stdout
    .split('\n')
    .filter(Boolean)
    .map((line) => line.trim().split(/\s+/).slice(3).join(' '));
}
