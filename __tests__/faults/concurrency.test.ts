// Case 3: two backups of one label to one directory in the same second, in every format pair.
// There is no clock to fix: both runs start together, at a different phase of the second each
// attempt, until their ids name the same second (or one of them fails: that is a result too).
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import {
  killAllActions,
  startAction,
  type ActionProcess,
  type FinishedRun,
} from '../helpers/action-process.js';
import { startCluster, type PgCluster } from '../../scripts/lib/pg-cluster.js';
import { MAJOR, smallDatabase } from '../helpers/fault-fixtures.js';
import { sha256File } from '../helpers/command-run.js';
import { sleep, tempDir } from '../helpers/fault-harness.js';
import { leftovers, listTree } from '../helpers/leftovers.js';

let cluster: PgCluster;

beforeAll(async () => {
  cluster = await startCluster(MAJOR);
  await smallDatabase(cluster, 'app');
}, 120_000);

afterEach(() => killAllActions());

afterAll(async () => {
  await cluster?.stop();
});

/** The data object's extension of each format (compression auto = zstd with pg_dump 18). */
const EXT: Record<string, string> = {
  custom: '.dump',
  plain: '.sql.zst',
  tar: '.tar',
  directory: '.tar',
};

const ID = /^(app-\d{8}T\d{6}Z)(-\d+)?$/;
const second = (id: string | undefined) => ID.exec(id ?? '')?.[1];

interface Pair {
  formats: [string, string];
  dir: string;
  procs: ActionProcess[];
  runs: FinishedRun[];
}

/** Starts the two backups together at `phase` ms into a second. */
async function together(formats: [string, string], phase: number): Promise<Pair> {
  const dir = await tempDir('same');
  await sleep((phase - (Date.now() % 1000) + 1000) % 1000);
  const procs = await Promise.all(
    formats.map((format) =>
      startAction({ 'database-url': cluster.url('app'), storage: dir, label: 'app', format }),
    ),
  );
  return { formats, dir, procs, runs: await Promise.all(procs.map((p) => p.exited)) };
}

/** What a pair left, beside what it should have left. */
async function judge(pair: Pair): Promise<{ observed: object; expected: object }> {
  const { formats, dir, procs, runs } = pair;
  const ids = runs.map((r) => r.outputs['backup-id'] ?? '');
  const base = second(ids.find(Boolean)) ?? '?';
  const expectedFiles = runs.flatMap((r, i) => {
    const id = r.outputs['backup-id'] ?? `${base}?`;
    return [`${id}${EXT[formats[i] ?? ''] ?? '?'}`, `${id}.recovery.md`, `${id}.manifest.json`];
  });
  const problems: string[] = [];
  for (const [i, r] of runs.entries()) {
    const id = r.outputs['backup-id'];
    if (!id) continue;
    const manifest = await readFile(join(dir, `${id}.manifest.json`), 'utf8').catch(() => '');
    if (!manifest) {
      problems.push(`the ${formats[i]} run's manifest ${id}.manifest.json is gone`);
      continue;
    }
    const m = JSON.parse(manifest) as { id: string; object: { key: string; sha256: string } };
    if (m.id !== id) problems.push(`${id}.manifest.json names ${m.id}`);
    const sha = await sha256File(join(dir, m.object.key)).catch(() => 'missing');
    if (sha !== m.object.sha256)
      problems.push(`${m.object.key}: sha256 ${sha}, the manifest says ${m.object.sha256}`);
  }
  for (const [i, p] of procs.entries())
    problems.push(...(await leftovers(p, runs[i], { secrets: [cluster.password] })));
  return {
    observed: {
      codes: runs.map((r) => r.code),
      errors: runs.flatMap((r) => r.errors),
      ids: [...ids].sort(),
      files: await listTree(dir),
      problems,
    },
    expected: {
      codes: [0, 0],
      errors: [],
      ids: [base, `${base}-2`],
      files: [...expectedFiles].sort(),
      problems: [],
    },
  };
}

/**
 * Runs the pair until it has landed in one second `rounds` times (or failed: a failure is
 * judged too, since runs in different seconds cannot collide); returns the first bad round's
 * judgement, else the last one.
 */
async function collide(
  formats: [string, string],
  rounds: number,
): Promise<{ observed: object; expected: object }> {
  let last: { observed: object; expected: object } | undefined;
  let landed = 0;
  for (let attempt = 0; attempt < 20 && landed < rounds; attempt += 1) {
    const pair = await together(formats, (attempt * 370) % 1000);
    const [a, b] = pair.runs.map((r) => second(r.outputs['backup-id']));
    const failed = pair.runs.some((r) => r.code !== 0);
    if (!failed && (a === undefined || a !== b)) {
      for (const [i, p] of pair.procs.entries()) await leftovers(p, pair.runs[i]);
      continue;
    }
    landed += 1;
    last = await judge(pair);
    if (JSON.stringify(last.observed) !== JSON.stringify(last.expected)) return last;
  }
  if (!last || landed < rounds)
    throw new Error(`harness: only ${landed} of ${rounds} rounds landed in one second`);
  return last;
}

describe('two backups of one label in the same second', () => {
  it.each([
    ['custom', 'plain'],
    ['custom', 'custom'],
    ['plain', 'tar'],
    ['directory', 'custom'],
  ] as [string, string][])(
    '%s + %s (3 rounds): ids X and X-2, both complete, neither deletes the other',
    async (...formats) => {
      const { observed, expected } = await collide(formats, 3);
      expect(observed).toEqual(expected);
    },
    150_000,
  );
});
