// Case 9: secrets. Outside GitHub Actions (GITHUB_ACTIONS unset) nothing shows a secret: no
// ::add-mask:: line, no password, passphrase, identity or URL. And the children the action starts
// (seen through /proc/PID/environ and cmdline while pg_dump waits on a held lock) get no INPUT_*
// variable, no AWS secret, no password.
import { execFileSync } from 'node:child_process';
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { environOf, killAllActions, startAction } from '../helpers/action-process.js';
import { startCluster, type PgCluster } from '../../scripts/lib/pg-cluster.js';
import { MAJOR, smallDatabase } from '../helpers/fault-fixtures.js';
import { holdLock, runFor, tempDir, waitFor, waitForLockWaiter } from '../helpers/fault-harness.js';
import { leftovers, verdict } from '../helpers/leftovers.js';

const PASSPHRASE = 'correct-horse-battery-staple-42';
const AWS_SECRET = 'aws-secret-key-that-must-not-leak-0123456789';
let cluster: PgCluster;
let identity: string;
let recipient: string;

beforeAll(async () => {
  cluster = await startCluster(MAJOR);
  await smallDatabase(cluster, 'app');
  identity = execFileSync('age-keygen', { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  recipient = /public key: (age1\S+)/.exec(identity)?.[1] ?? '';
  if (!recipient) throw new Error('harness: age-keygen printed no public key');
}, 120_000);

afterEach(() => killAllActions());

afterAll(async () => {
  await cluster?.stop();
});

const secretKey = () => /AGE-SECRET-KEY-1\S+/.exec(identity)?.[0] ?? 'AGE-SECRET-KEY-1?';

/** The lines of a local run's stdout that would show a secret: ::add-mask:: and any secret. */
function exposed(stdout: string, secrets: string[]): string[] {
  const lines = stdout.split('\n');
  const masks = lines.filter((l) => l.startsWith('::add-mask::')).length;
  const found = masks ? [`printed ${masks} ::add-mask:: line(s)`] : [];
  for (const s of secrets)
    for (const form of new Set([s, encodeURIComponent(s)]))
      if (stdout.includes(form)) found.push(`stdout shows a secret (${s.slice(0, 6)}…)`);
  return found;
}

describe('outside GitHub Actions', () => {
  it('backup then restore with age: no ::add-mask:: line, no password, key, passphrase or URL', async () => {
    const dir = await tempDir('local');
    const env = { AWS_ACCESS_KEY_ID: 'AKIDLOCAL', AWS_SECRET_ACCESS_KEY: AWS_SECRET };
    const secrets = [
      cluster.password,
      cluster.url('app'),
      cluster.url('restored_local'),
      AWS_SECRET,
      secretKey(),
      PASSPHRASE,
    ];
    const backup = await runFor(
      { 'database-url': cluster.url('app'), storage: dir, 'age-recipients': recipient },
      { githubActions: false, env },
      90_000,
    );
    const restore = await runFor(
      {
        command: 'restore',
        'target-database-url': cluster.url('restored_local'),
        storage: dir,
        'age-identity': identity,
      },
      { githubActions: false, env },
      90_000,
    );
    const wrongPassphrase = await runFor(
      {
        command: 'restore',
        'target-database-url': cluster.url('restored_wrong'),
        storage: dir,
        'age-passphrase': PASSPHRASE,
      },
      { githubActions: false, env },
      90_000,
    );
    const problems: string[] = [];
    for (const [name, r] of Object.entries({ backup, restore, wrongPassphrase })) {
      problems.push(...exposed(r.run.stdout + r.run.stderr, secrets).map((p) => `${name}: ${p}`));
      problems.push(...(await leftovers(r.proc, r.run, { secrets })).map((p) => `${name}: ${p}`));
    }
    expect({
      backup: verdict(backup.run),
      restore: verdict(restore.run),
      wrongPassphrase: wrongPassphrase.run.code,
      problems,
    }).toEqual({
      backup: { code: 0, signal: null, errors: [] },
      restore: { code: 0, signal: null, errors: [] },
      wrongPassphrase: 1,
      problems: [],
    });
  }, 240_000);
});

describe('the environment of the children', () => {
  it('pg_dump (waiting on a lock) has no INPUT_*, no AWS secret, no password in env or argv', async () => {
    const dir = await tempDir('environ');
    const lock = await holdLock(cluster, 'app', 'public.t');
    try {
      const proc = await startAction(
        { 'database-url': cluster.url('app'), storage: dir, 'age-passphrase': PASSPHRASE },
        { env: { AWS_ACCESS_KEY_ID: 'AKIDLOCAL', AWS_SECRET_ACCESS_KEY: AWS_SECRET } },
      );
      await waitForLockWaiter(cluster, 'app', proc, lock.backendPid);
      const children = await waitFor('the pg_dump child', () => {
        const c = proc.children();
        return c.some((p) => p.comm === 'pg_dump') ? c : undefined;
      });
      const problems: string[] = [];
      for (const child of children) {
        const environ = environOf(child.pid);
        if (environ.length === 0)
          problems.push(`${child.comm}: /proc/${child.pid}/environ unreadable`);
        for (const entry of environ) {
          const name = entry.split('=')[0] ?? '';
          if (name.startsWith('INPUT_')) problems.push(`${child.comm} has ${name}`);
          if (name === 'AWS_SECRET_ACCESS_KEY' || name === 'PGPASSWORD')
            problems.push(`${child.comm} has ${name}`);
          for (const s of [cluster.password, PASSPHRASE, AWS_SECRET])
            if (entry.includes(s) || entry.includes(encodeURIComponent(s)))
              problems.push(`${child.comm} has a secret in ${name}`);
        }
        for (const s of [cluster.password, PASSPHRASE, AWS_SECRET])
          if (child.cmdline.includes(s) || child.cmdline.includes(encodeURIComponent(s)))
            problems.push(`${child.comm} has a secret in its argv`);
      }
      await lock.release();
      const run = (await proc.waitExit(60_000)) ?? (await proc.exited);
      problems.push(
        ...(await leftovers(proc, run, { secrets: [cluster.password, PASSPHRASE, AWS_SECRET] })),
      );
      expect({ ...verdict(run), children: children.map((c) => c.comm).sort(), problems }).toEqual({
        code: 0,
        signal: null,
        errors: [],
        children: expect.arrayContaining(['pg_dump']),
        problems: [],
      });
    } finally {
      await lock.release();
    }
  }, 120_000);
});
