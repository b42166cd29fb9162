// webhook-url on real components: a local HTTP receiver, a real PostgreSQL server, the real
// runMain in-process (inputs as INPUT_* variables, as @actions/core reads them), and postWebhook.
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { postWebhook } from '../../src/notify.js';
import { runMain } from '../../src/run.js';
import { errorLines, parseFileCommand } from '../../scripts/lib/action-env.js';
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
const PASSPHRASE = 'correct horse battery staple 42';
const AWS_SECRET = 'AwsSecretKeyExampleNotReal0123456789';
const WRONG_PASSWORD = 'not-the-Passw0rd';
const SPEC_FIELDS = [
  'text',
  'status',
  'command',
  'label',
  'backupId',
  'size',
  'sha256',
  'duration',
  'location',
  'healthy',
  'error',
  'anomalies',
  'hold',
];
let cluster: PgCluster;
const receiver = useReceivers();

beforeAll(async () => {
  cluster = await startCluster(major);
  await loadSample(cluster, 'app');
}, 120_000);

afterAll(async () => {
  await cluster?.stop();
});

/** What one in-process run of the main step left: exit code, log, outputs. */
interface MainRun {
  exitCode: number;
  stdout: string;
  errors: string[];
  warnings: string[];
  outputs: Record<string, string>;
}

/** Runs runMain with `inputs` as INPUT_* variables and a runner's files, then restores process state. */
async function runMainWith(inputs: Record<string, string>): Promise<MainRun> {
  const dir = await mkdtemp(join(tmpdir(), 'notify-run-'));
  const files = {
    output: join(dir, 'output'),
    state: join(dir, 'state'),
    summary: join(dir, 'summary'),
  };
  for (const f of Object.values(files)) await writeFile(f, '');
  const env: Record<string, string> = {
    GITHUB_ACTIONS: 'true',
    GITHUB_OUTPUT: files.output,
    GITHUB_STATE: files.state,
    GITHUB_STEP_SUMMARY: files.summary,
    RUNNER_TEMP: dir,
    RUNNER_TOOL_CACHE: join(dir, 'tool-cache'),
    GITHUB_WORKSPACE: dir,
    AWS_SECRET_ACCESS_KEY: AWS_SECRET,
  };
  for (const [name, value] of Object.entries(inputs)) env[`INPUT_${name.toUpperCase()}`] = value;
  const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
  Object.assign(process.env, env);
  const write = process.stdout.write.bind(process.stdout);
  let stdout = '';
  process.stdout.write = (chunk: string | Uint8Array) => {
    stdout += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
    return true;
  };
  try {
    await runMain(process.env);
  } finally {
    process.stdout.write = write;
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
  const exitCode = Number(process.exitCode ?? 0);
  process.exitCode = 0;
  return {
    exitCode,
    stdout,
    errors: errorLines(stdout),
    warnings: stdout.split('\n').filter((l) => l.startsWith('::warning')),
    outputs: parseFileCommand(await readFile(files.output, 'utf8')),
  };
}

/** The one message a receiver got, parsed, after checking it is clean JSON with no secret in it. */
function onlyMessage(r: WebhookReceiver): Record<string, unknown> {
  expect(r.requests).toHaveLength(1);
  const [request] = r.requests;
  expect(request?.method).toBe('POST');
  expect(request?.headers['content-type']).toBe('application/json');
  const body = request?.body ?? '';
  for (const secret of [
    cluster.password,
    WRONG_PASSWORD,
    PASSPHRASE,
    AWS_SECRET,
    r.url,
    WEBHOOK_TOKEN,
  ])
    expect(body).not.toContain(secret);
  expect(body).not.toMatch(/postgres(ql)?:\/\//);
  const message = JSON.parse(body) as Record<string, unknown>;
  for (const key of Object.keys(message)) expect(SPEC_FIELDS).toContain(key);
  expect(String(message.text)).not.toMatch(/\n/);
  return message;
}

describe('runMain posts one message on every outcome', () => {
  let backupDir: string;

  it('a successful backup: the fields that apply, equal to the outputs', async () => {
    backupDir = await mkdtemp(join(tmpdir(), 'notify-store-'));
    const hook = await receiver();
    const run = await runMainWith({
      'database-url': cluster.url('app'),
      storage: backupDir,
      'age-passphrase': PASSPHRASE,
      'webhook-url': hook.url,
    });
    expect(run.errors).toEqual([]);
    expect(run.exitCode).toBe(0);
    expect(run.warnings).toEqual([]);
    const o = run.outputs;
    const message = onlyMessage(hook);
    expect(message).toEqual({
      text: expect.stringMatching(
        new RegExp(
          `^✅ backup ${o['backup-id']}: [\\d.]+ (KiB|MiB|B), [\\d ]+ rows, encrypted, verified \\([\\d.]+ s\\)$`,
        ),
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
    expect(run.stdout).toContain('::add-mask::' + hook.url);
    expect(
      run.stdout
        .split('\n')
        .filter((l) => !l.startsWith('::add-mask::'))
        .join('\n'),
    ).not.toContain(WEBHOOK_TOKEN);
  });

  it('a successful restore of that backup: backup id, label, duration', async () => {
    const hook = await receiver();
    const run = await runMainWith({
      command: 'restore',
      storage: backupDir,
      label: 'app',
      'target-database-url': cluster.url('app_notified'),
      'age-passphrase': PASSPHRASE,
      'webhook-url': hook.url,
    });
    expect(run.errors).toEqual([]);
    expect(run.exitCode).toBe(0);
    expect(onlyMessage(hook)).toEqual({
      text: expect.stringMatching(
        /^✅ restore app-\d{8}T\d{6}Z: into app_notified, [\d ]+ rows, rows verified \([\d.]+ s\)$/,
      ),
      status: 'success',
      command: 'restore',
      label: 'app',
      backupId: run.outputs['backup-id'],
      duration: Number(run.outputs.duration),
    });
  });

  it('a backup failing on a bad password: status failure and the ::error:: text', async () => {
    const hook = await receiver();
    const run = await runMainWith({
      'database-url': cluster.url('app', { password: WRONG_PASSWORD }),
      storage: await mkdtemp(join(tmpdir(), 'notify-store-')),
      'webhook-url': hook.url,
    });
    expect(run.exitCode).toBe(1);
    expect(run.errors).toHaveLength(1);
    const message = onlyMessage(hook);
    expect(message).toEqual({
      text: `❌ backup app failed: ${run.errors[0]}`,
      status: 'failure',
      command: 'backup',
      label: 'app',
      error: run.errors[0],
    });
    expect(run.errors[0]).toMatch(/password|authentication/i);
  });

  it('a bad input of another command still notifies, without a label it never learnt', async () => {
    const hook = await receiver();
    const run = await runMainWith({
      command: 'restore',
      storage: '/nonexistent',
      'webhook-url': hook.url,
    });
    expect(run.exitCode).toBe(1);
    expect(onlyMessage(hook)).toEqual({
      text: `❌ restore failed: ${run.errors[0]}`,
      status: 'failure',
      command: 'restore',
      error: run.errors[0],
    });
  });

  it('a receiver answering 500 for ever: three attempts, a warning, the successful step stays successful', async () => {
    const hook = await receiver(() => 500);
    const run = await runMainWith({
      'database-url': cluster.url('app'),
      storage: await mkdtemp(join(tmpdir(), 'notify-store-')),
      'webhook-url': hook.url,
    });
    expect(hook.requests).toHaveLength(3);
    expect(run.exitCode).toBe(0);
    expect(run.errors).toEqual([]);
    expect(run.outputs['backup-id']).toMatch(/^app-/);
    expect(run.warnings).toHaveLength(1);
    expect(run.warnings[0]).toContain('webhook-url');
    expect(run.warnings[0]).toContain('HTTP 500');
    expect(run.warnings[0]).not.toContain(WEBHOOK_TOKEN);
  });

  it('a closed port on a failing step: the error stays the one error, the post only warns', async () => {
    const url = await closedPortUrl();
    const run = await runMainWith({
      'database-url': cluster.url('app', { password: WRONG_PASSWORD }),
      storage: await mkdtemp(join(tmpdir(), 'notify-store-')),
      'webhook-url': url,
    });
    expect(run.exitCode).toBe(1);
    expect(run.errors).toHaveLength(1);
    expect(run.errors[0]).toMatch(/password|authentication/i);
    expect(run.warnings).toHaveLength(1);
    expect(run.warnings[0]).toMatch(/connection failed/);
    expect(
      run.stdout
        .split('\n')
        .filter((l) => !l.startsWith('::add-mask::'))
        .join('\n'),
    ).not.toContain(WEBHOOK_TOKEN);
  });

  it('refuses a webhook-url that is not http(s), masked and not echoed', async () => {
    const url = `ftp://127.0.0.1/${WEBHOOK_TOKEN}`;
    const run = await runMainWith({
      'database-url': cluster.url('app'),
      storage: tmpdir(),
      'webhook-url': url,
    });
    expect(run.exitCode).toBe(1);
    expect(run.errors).toHaveLength(1);
    expect(run.errors[0]).toContain("Input 'webhook-url'");
    expect(run.errors[0]).not.toContain(WEBHOOK_TOKEN);
    expect(run.stdout).toContain(`::add-mask::${url}`);
  });
});

describe('postWebhook against a real receiver', () => {
  const MESSAGE = { text: '✅ backup app-20261122T020000Z', status: 'success' };

  it('posts the message once as JSON', async () => {
    const hook = await receiver();
    expect(await postWebhook(hook.url, MESSAGE)).toEqual({ delivered: true, attempts: 1 });
    expect(hook.requests).toHaveLength(1);
    expect(JSON.parse(hook.requests[0]?.body ?? '')).toEqual(MESSAGE);
    expect(hook.requests[0]?.path).toBe(`/services/${WEBHOOK_TOKEN}`);
  });

  it('does not follow a redirect (to loopback or anywhere): it is a failed post', async () => {
    const elsewhere = await receiver();
    const server = createServer((_req, res) =>
      res.writeHead(307, { location: elsewhere.url }).end(),
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    try {
      const result = await postWebhook(`http://127.0.0.1:${port}/hook`, MESSAGE);
      expect(result.delivered).toBe(false);
      expect(elsewhere.requests).toHaveLength(0);
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });

  it('retries 500 twice and is delivered on the third attempt', async () => {
    const hook = await receiver((n) => (n <= 2 ? 500 : 200));
    expect(await postWebhook(hook.url, MESSAGE)).toEqual({ delivered: true, attempts: 3 });
    expect(hook.requests.map((r) => r.body)).toEqual(Array(3).fill(JSON.stringify(MESSAGE)));
  });

  it('retries 429 (rate limited)', async () => {
    const hook = await receiver((n) => (n === 1 ? 429 : 204));
    expect(await postWebhook(hook.url, MESSAGE)).toEqual({ delivered: true, attempts: 2 });
  });

  it('gives up after three attempts of 500', async () => {
    const hook = await receiver(() => 500);
    const started = Date.now();
    expect(await postWebhook(hook.url, MESSAGE)).toEqual({
      delivered: false,
      attempts: 3,
      problem: 'HTTP 500',
    });
    expect(hook.requests).toHaveLength(3);
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('does not retry a refusal (404): the URL is wrong, retrying will not help', async () => {
    const hook = await receiver(() => 404);
    expect(await postWebhook(hook.url, MESSAGE)).toEqual({
      delivered: false,
      attempts: 1,
      problem: 'HTTP 404',
    });
  });

  it('a receiver that never answers: bounded at about 10 s in all', async () => {
    const hook = await receiver(() => 'hang');
    const started = Date.now();
    const result = await postWebhook(hook.url, MESSAGE);
    const elapsed = Date.now() - started;
    expect(result).toEqual({ delivered: false, attempts: 1, problem: 'no answer within 10 s' });
    expect(elapsed).toBeGreaterThanOrEqual(9_500);
    expect(elapsed).toBeLessThan(11_500);
  }, 30_000);

  it('a hang uses up the whole budget: no retry starts after it', async () => {
    const hook = await receiver((n) => (n === 1 ? 'hang' : 200));
    const started = Date.now();
    const result = await postWebhook(hook.url, MESSAGE, { budgetMs: 2_000 });
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(result.delivered).toBe(false);
    expect(result.problem).toBe('no answer within 2 s');
  });

  it('a closed port: three attempts, a named cause, never the URL', async () => {
    const url = await closedPortUrl();
    const result = await postWebhook(url, MESSAGE);
    expect(result).toEqual({
      delivered: false,
      attempts: 3,
      problem: 'connection failed (ECONNREFUSED)',
    });
    expect(JSON.stringify(result)).not.toContain(WEBHOOK_TOKEN);
  });

  it('never throws, whatever the URL', async () => {
    const result = await postWebhook('not a url at all', MESSAGE, { budgetMs: 1_000 });
    expect(result.delivered).toBe(false);
    expect(result.problem).toMatch(/connection failed/);
  });
});
