// The README's "Try it: a backup to a local S3 server", run as a newcomer would: its two commands
// are taken from README.md and run in bash against dist/index.js, with only the URL (a test
// server's), the port and the data directory swapped for free ones. The backup must land in the
// s3rver directory the README names, and the last line must say where.
import { spawn, type ChildProcess } from 'node:child_process';
import { readdir, readFile, mkdtemp, rm } from 'node:fs/promises';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { REPO } from '../../scripts/lib/repo.js';
import { loadSample } from '../helpers/db-compare.js';
import {
  availableMajors,
  startCluster,
  type PgCluster,
  type ServerMajor,
} from '../../scripts/lib/pg-cluster.js';
import { collectProcess } from '../../scripts/lib/spawn.js';

const major = (availableMajors().includes(18) ? 18 : 15) as ServerMajor;
let cluster: PgCluster;
let dataDir: string;
let s3rver: ChildProcess | undefined;

/** The ```bash block of README.md that runs the backup to the local S3 server. */
async function readmeCommands(): Promise<{ server: string; backup: string }> {
  const readme = await readFile(join(REPO, 'README.md'), 'utf8');
  const section = readme.split('### Try it: a backup to a local S3 server')[1] ?? '';
  const block = /```bash\n([\s\S]*?)```/.exec(section)?.[1] ?? '';
  const [server = '', ...rest] = block.trim().split('\n');
  return { server, backup: rest.join('\n') };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

async function listening(port: number, ms = 60_000): Promise<void> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1', () => socket.end(() => resolve(true)));
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`s3rver did not listen on ${port}`);
}

beforeAll(async () => {
  cluster = await startCluster(major);
  await loadSample(cluster, 'app');
  dataDir = await mkdtemp(join(tmpdir(), 'readme-s3-'));
}, 120_000);

afterAll(async () => {
  // The whole process group: bash, npx and the s3rver node process it starts.
  if (s3rver?.pid) process.kill(-s3rver.pid, 'SIGTERM');
  await cluster?.stop();
  await rm(dataDir, { recursive: true, force: true });
});

describe('README: running outside GitHub, a backup to a local S3 server', () => {
  it('works exactly as written, with only the URL, port and directory swapped', async () => {
    const { server, backup } = await readmeCommands();
    expect(server).toMatch(/^mkdir -p \/tmp\/s3 && npx s3rver .*--configure-bucket backups.*&$/);
    expect(backup).toContain('node dist/cli.js backup');
    const port = await freePort();
    const swap = (text: string) =>
      text
        .replaceAll('/tmp/s3', dataDir)
        .replaceAll('4568', String(port))
        .replace('postgresql://app:secret@localhost:5432/app', cluster.url('app'));
    s3rver = spawn('bash', ['-c', swap(server).replace(/&$/, '')], {
      cwd: REPO,
      stdio: 'ignore',
      detached: true,
    });
    await listening(port);

    // A newcomer's shell: PATH and HOME, nothing of a runner (no GITHUB_* variables).
    const env = { PATH: process.env.PATH, HOME: process.env.HOME };
    const run = await collectProcess('bash', ['-c', swap(backup)], { env, cwd: REPO });

    expect(run.code).toBe(0);
    expect(run.stderr).not.toContain(cluster.password);
    expect(run.stdout).not.toContain('::set-output');
    expect(run.stdout).not.toContain('::add-mask::');
    expect(run.stdout).not.toContain(cluster.password);
    const lines = run.stdout.trim().split('\n');
    const result = lines.find((l) => l.startsWith('Backed up app-'));
    expect(result).toMatch(
      /^Backed up (app-\d{8}T\d{6}Z): .*verified, at s3:\/\/backups\/app\/app-\d{8}T\d{6}Z\.dump \(/,
    );
    const id = /^Backed up (\S+):/.exec(result ?? '')?.[1] ?? '';
    // Outside GitHub Actions the result line is the last one, without a workflow command.
    expect(lines.at(-1)).toBe(result);
    expect(lines.filter((l) => l.startsWith('::'))).toEqual([]);
    // s3rver keeps each object as KEY._S3rver_object (with its metadata beside it).
    const stored = await readdir(join(dataDir, 'backups', 'app'));
    for (const key of [`${id}.dump`, `${id}.manifest.json`])
      expect(stored).toContain(`${key}._S3rver_object`);
  }, 180_000);
});
