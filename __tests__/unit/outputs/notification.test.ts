import { describe, expect, it } from '@jest/globals';
import type { Manifest } from '../../../src/catalog/manifest.js';
import { InputError } from '../../../src/errors.js';
import { readWebhookUrl } from '../../../src/inputs/common.js';
import type { BackupReport } from '../../../src/outputs/backup.js';
import {
  backupNotice,
  buildNotification,
  genericNotice,
  groupDigits,
  restoreNotice,
  withoutSecrets,
} from '../../../src/outputs/notification.js';
import type { RestoreReport } from '../../../src/outputs/restore.js';
import { maskRecorder, readerOf, thrown } from '../../helpers/unit-support.js';

const SHA = 'ab'.repeat(32);
const MANIFEST: Manifest = {
  manifestVersion: 1,
  id: 'app-20261122T020000Z',
  label: 'app',
  createdAt: '2026-11-22T02:00:00.000Z',
  finishedAt: '2026-11-22T02:00:03.000Z',
  tool: { name: 'postgres-backup-action', version: '0.1.0' },
  server: { version: '17.2', versionNum: 170002, database: 'app' },
  client: { pgDumpVersion: '18.1' },
  dump: { format: 'custom', compression: 'zstd:3', jobs: 1, args: [] },
  encryption: { scheme: 'none' },
  object: { key: 'app-20261122T020000Z.dump', size: Math.round(12.3 * 1024 * 1024), sha256: SHA },
  tables: [
    { schema: 'public', name: 'orders', rows: 20_000 },
    { schema: 'public', name: 'items', rows: 5_000 },
  ],
  totalRows: 25_000,
  verification: { archive: 'passed' },
  labels: {},
};
const BACKUP: BackupReport = {
  manifest: MANIFEST,
  locations: [
    's3://my-backups/app/app-20261122T020000Z.dump',
    '/backups/app-20261122T020000Z.dump',
  ],
  manifestLocation: 's3://my-backups/app/app-20261122T020000Z.manifest.json',
  durationSeconds: 3.4321,
  pruned: [],
};
const RESTORE: RestoreReport = {
  manifest: MANIFEST,
  comparison: {
    compared: true,
    rows: [
      { table: 'public.orders', expected: 20_000, restored: 20_000 },
      { table: 'public.items', expected: 5_000, restored: 5_000 },
    ],
    mismatches: [],
  },
  durationSeconds: 7.25,
  target: 'app_restore',
};
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
];

describe('buildNotification', () => {
  it('a backup: the Slack line of the SPEC and exactly the fields that apply', () => {
    const message = buildNotification('backup', {
      status: 'success',
      fields: backupNotice(BACKUP),
    });
    expect(message).toEqual({
      text: '✅ backup app-20261122T020000Z: 12.3 MiB, 25 000 rows, verified (3.4 s)',
      status: 'success',
      command: 'backup',
      label: 'app',
      backupId: 'app-20261122T020000Z',
      size: MANIFEST.object.size,
      sha256: SHA,
      duration: 3.4,
      location: 's3://my-backups/app/app-20261122T020000Z.dump',
    });
    for (const key of Object.keys(message)) expect(SPEC_FIELDS).toContain(key);
    expect(JSON.parse(JSON.stringify(message))).toEqual(message);
  });

  it('an encrypted backup that pruned says so in the line', () => {
    const report = {
      ...BACKUP,
      manifest: { ...MANIFEST, encryption: { scheme: 'age' as const, passphrase: true as const } },
      pruned: ['app-20261101T020000Z', 'app-20261102T020000Z'],
    };
    const { text } = buildNotification('backup', {
      status: 'success',
      fields: backupNotice(report),
    });
    expect(text).toBe(
      '✅ backup app-20261122T020000Z: 12.3 MiB, 25 000 rows, encrypted, verified, 2 pruned (3.4 s)',
    );
  });

  it('a restore: backup id, label and duration; no size, sha256 or location', () => {
    const message = buildNotification('restore', {
      status: 'success',
      fields: restoreNotice(RESTORE),
    });
    expect(message).toEqual({
      text: '✅ restore app-20261122T020000Z: into app_restore, 25 000 rows, rows verified (7.3 s)',
      status: 'success',
      command: 'restore',
      label: 'app',
      backupId: 'app-20261122T020000Z',
      duration: 7.3,
    });
  });

  it('rounds the duration as the duration output does (toFixed), also at a half such as 2.65 s', () => {
    for (const seconds of [2.65, 1.15, 8.45, 7.25]) {
      const fields = restoreNotice({ ...RESTORE, durationSeconds: seconds });
      const message = buildNotification('restore', { status: 'success', fields });
      // The restore's `duration` output is durationSeconds.toFixed(1).
      expect(message.duration).toBe(Number(seconds.toFixed(1)));
    }
  });

  it('a failure: status failure, the one-line error, and the label when known', () => {
    const error =
      "Could not connect to 127.0.0.1:5432/app: password authentication failed for user 'app'.";
    expect(buildNotification('restore', { status: 'failure', error, fields: {} })).toEqual({
      text: `❌ restore failed: ${error}`,
      status: 'failure',
      command: 'restore',
      error,
    });
    const labelled = buildNotification('backup', {
      status: 'failure',
      error,
      fields: { label: 'app' },
    });
    expect(labelled).toEqual({
      text: `❌ backup app failed: ${error}`,
      status: 'failure',
      command: 'backup',
      label: 'app',
      error,
    });
  });

  it('keeps the text on one line and leaves the command out when the command input was bad', () => {
    const message = buildNotification(undefined, {
      status: 'failure',
      error: "Input 'command': 'bakup' is not one of backup, restore.\n  try again",
      fields: {},
    });
    expect(message.text).toBe(
      "❌ postgres-backup-action failed: Input 'command': 'bakup' is not one of backup, restore. try again",
    );
    expect(message).not.toHaveProperty('command');
    expect(message.text).not.toMatch(/\n/);
  });

  it('a check verdict carries healthy', () => {
    const message = buildNotification('check', {
      status: 'success',
      fields: { label: 'app', backupId: MANIFEST.id, healthy: true, facts: ['healthy'] },
    });
    expect(message).toEqual({
      text: `✅ check ${MANIFEST.id}: healthy`,
      status: 'success',
      command: 'check',
      label: 'app',
      backupId: MANIFEST.id,
      healthy: true,
    });
  });
});

describe('withoutSecrets', () => {
  it('replaces every secret in every string field, longest first', () => {
    const message = buildNotification('backup', {
      status: 'failure',
      error: 'failed at postgresql://app:pa55word@db/app with key AGE-SECRET-KEY-1XYZ',
      fields: { label: 'app' },
    });
    const clean = withoutSecrets(message, [
      'pa55word',
      'postgresql://app:pa55word@db/app',
      'AGE-SECRET-KEY-1XYZ',
      '',
    ]);
    expect(clean.error).toBe('failed at *** with key ***');
    expect(clean.text).toBe('❌ backup app failed: failed at *** with key ***');
    expect(clean.label).toBe('app');
  });
});

describe('genericNotice', () => {
  it('picks the message fields a report carries under their names', () => {
    expect(
      genericNotice({
        manifest: { id: 'app-20261122T020000Z', label: 'app' },
        durationSeconds: 2,
        healthy: false,
        size: 10,
        other: 'x',
      }),
    ).toEqual({
      label: 'app',
      backupId: 'app-20261122T020000Z',
      size: 10,
      duration: 2,
      healthy: false,
      sha256: undefined,
      location: undefined,
    });
    expect(genericNotice(undefined)).toEqual({});
    expect(genericNotice('done')).toEqual({});
  });
});

describe('groupDigits', () => {
  it.each([
    [0, '0'],
    [999, '999'],
    [1000, '1 000'],
    [25_000, '25 000'],
    [1_234_567, '1 234 567'],
  ])('%d → %s', (n, text) => expect(groupDigits(n)).toBe(text));
});

describe('readWebhookUrl', () => {
  it('is undefined when unset', () => {
    expect(readWebhookUrl(readerOf({}), maskRecorder().mask)).toBeUndefined();
  });

  it.each([
    'https://hooks.slack.com/services/T000/B000/XXXX',
    'https://discord.com/api/webhooks/1/abc/slack',
    'https://hc-ping.com/0b2d7c3e-uuid',
    'http://127.0.0.1:8080/hook',
  ])('accepts and masks %s at once', (url) => {
    const { mask, masked } = maskRecorder();
    expect(readWebhookUrl(readerOf({ 'webhook-url': url }), mask)).toBe(url);
    expect(masked).toContain(url);
  });

  it('also masks a password in the URL on its own', () => {
    const { mask, masked } = maskRecorder();
    readWebhookUrl(readerOf({ 'webhook-url': 'https://user:hunter22@hooks.example.com/x' }), mask);
    expect(masked).toEqual(expect.arrayContaining(['hunter22']));
  });

  it.each([
    'hooks.slack.com/services/T000/B000/SECRETX',
    'ftp://hooks.example.com/SECRETX',
    'javascript:alert(SECRETX)',
    'file:///etc/SECRETX',
  ])('refuses %s, masked, without echoing it', (url) => {
    const { mask, masked } = maskRecorder();
    const error = thrown(() => readWebhookUrl(readerOf({ 'webhook-url': url }), mask));
    expect(error).toBeInstanceOf(InputError);
    expect(error.message).toContain("Input 'webhook-url'");
    expect(error.message).toContain('https://');
    expect(error.message).not.toContain('SECRETX');
    expect(masked).toContain(url);
  });
});
