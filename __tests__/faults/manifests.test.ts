// Case 8: hostile manifests. A manifest in the storage directory whose object.key leaves the
// location ('../../etc/passwd', 'sub/x.dump', 's3://other/x', '..') is refused with one error:
// nothing outside is read (canary files with an old atime: relatime updates it on any read),
// nothing is written outside the workspace, the target is never created.
import { copyFile, mkdir, readFile, stat, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { killAllActions } from '../helpers/action-process.js';
import { startCluster, type PgCluster } from '../../scripts/lib/pg-cluster.js';
import { MAJOR, smallDatabase } from '../helpers/fault-fixtures.js';
import { runFor, tempDir } from '../helpers/fault-harness.js';
import { sha256File } from '../helpers/command-run.js';
import { leftovers, listTree, verdict } from '../helpers/leftovers.js';

const HOSTILE_ID = 'app-20990101T000000Z';
let cluster: PgCluster;
let realDump: string;
let realManifest: Record<string, unknown>;

beforeAll(async () => {
  cluster = await startCluster(MAJOR);
  await smallDatabase(cluster, 'app');
  const dir = await tempDir('man-src');
  const { run } = await runFor({ 'database-url': cluster.url('app'), storage: dir }, {}, 90_000);
  if (run.code !== 0) throw new Error(`harness: the backup failed: ${run.errors[0]}`);
  realDump = run.outputs.location ?? '';
  realManifest = JSON.parse(
    await readFile(run.outputs['manifest-location'] ?? '', 'utf8'),
  ) as Record<string, unknown>;
  // The canary check relies on relatime: a read updates an atime older than the mtime.
  const probe = join(dir, 'atime-probe');
  await writeFile(probe, 'x');
  await utimes(probe, new Date('2000-01-01'), new Date());
  await readFile(probe);
  if ((await stat(probe)).atime.getFullYear() === 2000)
    throw new Error('harness: reads do not update atime here (mounted noatime?)');
}, 120_000);

afterEach(() => killAllActions());

afterAll(async () => {
  await cluster?.stop();
});

/** A copy of the real dump where `key` resolves from `storage`, marked unread (atime 2000). */
async function plantCanary(storage: string, key: string): Promise<string | undefined> {
  if (key === '..') return undefined;
  const path = join(storage, key.replace('s3://', 's3:/'));
  await mkdir(join(path, '..'), { recursive: true });
  await copyFile(realDump, path);
  await utimes(path, new Date('2000-01-01'), new Date());
  return path;
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

describe('a manifest whose object.key leaves the location', () => {
  it.each(['../../etc/passwd', 'sub/x.dump', 's3://other/x', '..'])(
    'object.key %j: refused with one error; nothing read outside, nothing written, no target',
    async (key) => {
      const root = await tempDir('man');
      const storage = join(root, 'a', 'b');
      await mkdir(storage, { recursive: true });
      await copyFile(realDump, join(storage, realDump.split('/').pop() ?? 'x'));
      const canary = await plantCanary(storage, key);
      const size = canary ? (await stat(canary)).size : 0;
      const sha256 = canary ? await sha256File(canary) : '0'.repeat(64);
      const manifest = {
        ...realManifest,
        id: HOSTILE_ID,
        createdAt: '2099-01-01T00:00:00.000Z',
        finishedAt: '2099-01-01T00:00:01.000Z',
        object: { key, size, sha256 },
      };
      await writeFile(join(storage, `${HOSTILE_ID}.manifest.json`), JSON.stringify(manifest));
      if (canary) await utimes(canary, new Date('2000-01-01'), new Date());
      const before = await listTree(root);
      const target = `hostile_${key.replace(/[^a-z]/g, '')}`;

      const { proc, run } = await runFor(
        {
          command: 'restore',
          'target-database-url': cluster.url(target),
          storage,
          backup: HOSTILE_ID,
        },
        {},
        60_000,
      );
      const problems = await leftovers(proc, run, {
        database: { cluster, name: target, created: true },
        secrets: [cluster.password],
      });
      if (canary && (await stat(canary)).atime.getFullYear() !== 2000)
        problems.push(`the file outside the location was read: ${canary}`);
      const after = await listTree(root);
      if (JSON.stringify(after) !== JSON.stringify(before))
        problems.push(`the storage tree changed: [${before.join(', ')}] -> [${after.join(', ')}]`);
      const runner = await listTree(proc.runnerDir);
      const expectedRunner = [
        'files/output',
        'files/state',
        'files/summary',
        'temp/',
        'tool-cache/',
        'workspace/',
      ];
      if (JSON.stringify(runner) !== JSON.stringify(expectedRunner))
        problems.push(`written in the runner dir: [${runner.join(', ')}]`);
      expect({ ...verdict(run), problems }).toEqual({
        code: 1,
        signal: null,
        errors: [
          expect.stringMatching(
            new RegExp(
              `(?=.*${escape(key)})(?=.*(refus|not allowed|outside|invalid|unsafe|not a name))`,
              'i',
            ),
          ),
        ],
        problems: [],
      });
    },
    90_000,
  );
});
