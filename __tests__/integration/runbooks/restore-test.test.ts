// Runbook 4 (examples/runbook-restore-test.yml): the quarterly restore drill. The action's verify
// command in-process restores a real backup into a throwaway PostgreSQL 17 database (the drill);
// the workflow's RTO comparison and alert scripts then run by bash with the drill's `duration`
// output: within a generous RTO the step passes, over a tiny one it fails and the alert reaches a
// local webhook receiver.
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { backupWith, runStory } from '../../helpers/command-run.js';
import { loadSample } from '../../helpers/db-compare.js';
import { startCluster, type PgCluster } from '../../../scripts/lib/pg-cluster.js';
import { startReceiver, type WebhookReceiver } from '../../helpers/webhook-receiver.js';
import {
  BULK_ROWS,
  databaseMegabytes,
  runStep,
  seedBulk,
  stopwatch,
} from '../../helpers/runbook-kit.js';

const WORKFLOW = 'runbook-restore-test.yml';
const RTO_STEP = 'Compare the recovery time with the RTO';
const ALERT_STEP = 'Alert on a recovery time over the RTO';

let source: PgCluster;
let drill: PgCluster;
let receiver: WebhookReceiver;
let storage: string;
let drillOutputs: Record<string, string>;

beforeAll(async () => {
  jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
  delete process.env.GITHUB_STEP_SUMMARY;
  [source, drill, receiver] = await Promise.all([
    startCluster(17),
    startCluster(17),
    startReceiver(),
  ]);
  await loadSample(source, 'app');
  await seedBulk(source, 'app');
  storage = await mkdtemp(join(tmpdir(), 'runbook-restore-test-'));
}, 600_000);

afterAll(async () => {
  await Promise.all([source?.stop(), drill?.stop(), receiver?.close()]);
});

describe('runbook 4: quarterly restore test', () => {
  it('measures the recovery time with a restore drill and passes within the RTO', async () => {
    const clock = stopwatch();
    const backup = await clock.lap('backup (nightly)', () =>
      backupWith({ 'database-url': source.url('app'), storage }),
    );
    const megabytes = await databaseMegabytes(source, 'app');
    const { report: result, outputs } = await clock.lap('verify with the restore drill', () =>
      runStory('verify', {
        command: 'verify',
        storage,
        label: 'app',
        backup: 'latest',
        'target-database-url': drill.url('drill'),
      }),
    );
    drillOutputs = outputs;
    expect(outputs.verified).toBe('true');
    expect(result.drill?.comparison.mismatches).toEqual([]);
    expect(Number(outputs.duration)).toBeGreaterThan(0);
    // The drill created its database and dropped it again.
    expect(
      (await drill.psql("SELECT count(*) FROM pg_database WHERE datname = 'drill'")).trim(),
    ).toBe('0');

    const within = await runStep(WORKFLOW, RTO_STEP, {
      DURATION: outputs.duration ?? '',
      BACKUP_ID: backup.manifest.id,
      RTO_MINUTES: '60',
    });
    expect(within.code).toBe(0);
    expect(within.summary).toBe(
      `Recovered ${backup.manifest.id} in ${outputs.duration} s: within the RTO of 60 min.\n`,
    );
    clock.report(
      `runbook 4 (restore drill): ${megabytes} MB database, ${BULK_ROWS} bulk rows; drill duration output ${outputs.duration} s`,
    );
  }, 900_000);

  it('fails over a tiny RTO and alerts through the webhook', async () => {
    const duration = drillOutputs.duration ?? '';
    const backupId = drillOutputs['backup-id'] ?? '';
    const env = { DURATION: duration, BACKUP_ID: backupId, RTO_MINUTES: '0.0001' };
    const over = await runStep(WORKFLOW, RTO_STEP, env);
    expect(over.code).toBe(1);
    expect(over.stdout).toContain(
      `::error::The restore drill of ${backupId} took ${duration} s: over the RTO of 0.0001 min.`,
    );
    expect(over.summary).toContain('**over the RTO of 0.0001 min**');

    const alert = await runStep(WORKFLOW, ALERT_STEP, {
      ...env,
      WEBHOOK_URL: receiver.url,
      RUN_URL: 'https://github.com/o/r/actions/runs/1',
    });
    expect(alert.code).toBe(0);
    expect(receiver.requests).toHaveLength(1);
    expect(receiver.requests[0]?.headers['content-type']).toBe('application/json');
    expect(JSON.parse(receiver.requests[0]?.body ?? '')).toEqual({
      text: `Restore drill of ${backupId} took ${duration} s, over the RTO of 0.0001 min: https://github.com/o/r/actions/runs/1`,
      status: 'failure',
      command: 'verify',
      backupId,
      duration,
      error: 'over the RTO',
    });
  });

  it('fails when the drill reported no duration, and alerts nobody without a webhook', async () => {
    const none = await runStep(WORKFLOW, RTO_STEP, {
      DURATION: '',
      BACKUP_ID: 'app-20261122T020000Z',
      RTO_MINUTES: '60',
    });
    expect(none.code).toBe(1);
    expect(none.stdout).toContain('took ? s: over the RTO of 60 min');
    const silent = await runStep(WORKFLOW, ALERT_STEP, { WEBHOOK_URL: '', RTO_MINUTES: '60' });
    expect(silent.code).toBe(0);
    expect(silent.stdout).toContain('No BACKUP_WEBHOOK_URL: no alert sent.');
  });
});
