// webhook-url with dist/index.js as the runner runs it: one message on success and on failure,
// nothing secret in it or in the log, and a failing receiver only warns.
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { runAction, visibleLog } from '../helpers/action-process.js';
import { loadSample } from '../helpers/db-compare.js';
import {
  availableMajors,
  startCluster,
  type PgCluster,
  type ServerMajor,
} from '../../scripts/lib/pg-cluster.js';
import {
  closedPortUrl,
  useReceivers,
  WEBHOOK_TOKEN,
  type WebhookReceiver,
} from '../helpers/webhook-receiver.js';

const major = (availableMajors().includes(18) ? 18 : 15) as ServerMajor;
const WRONG_PASSWORD = 'not-the-Passw0rd';
const AWS_SECRET = 'AwsSecretKeyExampleNotReal0123456789';
let cluster: PgCluster;
const receiver = useReceivers();

beforeAll(async () => {
  cluster = await startCluster(major);
  await loadSample(cluster, 'app');
}, 120_000);

afterAll(async () => {
  await cluster?.stop();
});

/** The one message `r` received, checked for secrets and parsed. */
function onlyMessage(r: WebhookReceiver): Record<string, unknown> {
  expect(r.requests).toHaveLength(1);
  const body = r.requests[0]?.body ?? '';
  for (const secret of [cluster.password, WRONG_PASSWORD, AWS_SECRET, r.url, WEBHOOK_TOKEN])
    expect(body).not.toContain(secret);
  return JSON.parse(body) as Record<string, unknown>;
}

const storage = () => mkdtemp(join(tmpdir(), 'e2e-notify-'));

describe('webhook-url with dist/index.js', () => {
  it('a backup posts a success message whose fields equal the outputs', async () => {
    const hook = await receiver();
    const run = await runAction(
      { 'database-url': cluster.url('app'), storage: await storage(), 'webhook-url': hook.url },
      { env: { AWS_SECRET_ACCESS_KEY: AWS_SECRET } },
    );
    expect(run.errors).toEqual([]);
    expect(run.code).toBe(0);
    const o = run.outputs;
    expect(onlyMessage(hook)).toEqual({
      text: expect.stringMatching(
        new RegExp(`^✅ backup ${o['backup-id']}: .* rows, verified \\(`),
      ),
      status: 'success',
      command: 'backup',
      label: 'app',
      backupId: o['backup-id'],
      size: Number(o.size),
      sha256: o.sha256,
      duration: Number(o.duration),
      location: o.location,
    });
    expect(visibleLog(run)).not.toContain(WEBHOOK_TOKEN);
  });

  it('a backup failing on a bad password posts the failure with the ::error:: text', async () => {
    const hook = await receiver();
    const run = await runAction({
      'database-url': cluster.url('app', { password: WRONG_PASSWORD }),
      storage: await storage(),
      'webhook-url': hook.url,
    });
    expect(run.code).toBe(1);
    expect(run.errors).toHaveLength(1);
    expect(onlyMessage(hook)).toEqual({
      text: `❌ backup app failed: ${run.errors[0]}`,
      status: 'failure',
      command: 'backup',
      label: 'app',
      error: run.errors[0],
    });
  });

  it('a receiver answering 500 for ever: three attempts, one warning, the step still succeeds', async () => {
    const hook = await receiver(() => 500);
    const run = await runAction({
      'database-url': cluster.url('app'),
      storage: await storage(),
      'webhook-url': hook.url,
    });
    expect(run.code).toBe(0);
    expect(run.errors).toEqual([]);
    expect(hook.requests).toHaveLength(3);
    const warnings = run.stdout.split('\n').filter((l) => l.startsWith('::warning'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('HTTP 500');
    expect(visibleLog(run)).not.toContain(WEBHOOK_TOKEN);
  });

  it('a closed port on a failing step: still exactly the one error, plus a warning', async () => {
    const run = await runAction({
      'database-url': cluster.url('app', { password: WRONG_PASSWORD }),
      storage: await storage(),
      'webhook-url': await closedPortUrl(),
    });
    expect(run.code).toBe(1);
    expect(run.errors).toHaveLength(1);
    expect(run.stdout).toMatch(/^::warning::Notification: .*connection failed/m);
    expect(visibleLog(run)).not.toContain(WEBHOOK_TOKEN);
  });

  it('a receiver that never answers holds the step about 10 s at most', async () => {
    const hook = await receiver(() => 'hang');
    const started = Date.now();
    const run = await runAction({
      'database-url': cluster.url('app'),
      storage: await storage(),
      'webhook-url': hook.url,
    });
    expect(run.code).toBe(0);
    expect(hook.requests).toHaveLength(1);
    expect(run.stdout).toMatch(/^::warning::Notification: .*no answer within 10 s/m);
    expect(Date.now() - started).toBeLessThan(30_000);
  }, 60_000);
});
