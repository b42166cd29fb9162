// The examples that actionlint does not read: the IAM policy (it must allow exactly the S3 calls
// the action makes) and the ones for running outside GitHub (shell syntax, dist/cli.js options
// that are inputs of the action, secrets through env:).
// (GitLab's YAML is not a workflow: its job shape and inputs are checked as text.)
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { INPUTS } from '../../src/inputs/read.js';
import { REPO } from '../helpers/repo.js';

const EXAMPLES = join(REPO, 'examples');

/** The IAM action each S3 call of the SDK needs (lib-storage's Upload: the multipart calls). */
const IAM_ACTION: Record<string, string> = {
  PutObject: 's3:PutObject',
  GetObject: 's3:GetObject',
  DeleteObject: 's3:DeleteObject',
  // DeleteObjects checks s3:DeleteObject on each key it names.
  DeleteObjects: 's3:DeleteObject',
  ListObjectsV2: 's3:ListBucket',
  ListMultipartUploads: 's3:ListBucketMultipartUploads',
  AbortMultipartUpload: 's3:AbortMultipartUpload',
  CreateMultipartUpload: 's3:PutObject',
  UploadPart: 's3:PutObject',
  CompleteMultipartUpload: 's3:PutObject',
};

/** Every S3 call in the S3 store's sources: `new XCommand(`, `paginateX(`, and Upload's calls. */
function s3Calls(): string[] {
  const dir = join(REPO, 'src', 'storage');
  const text = readdirSync(dir)
    .filter((f) => /^s3.*\.ts$/.test(f))
    .map((f) => readFileSync(join(dir, f), 'utf8'))
    .join('\n');
  const calls = new Set<string>();
  for (const [, name] of text.matchAll(/new ([A-Z]\w+)Command\(/g)) calls.add(name ?? '');
  for (const [, name] of text.matchAll(/paginate([A-Z]\w+)\(/g)) calls.add(name ?? '');
  if (/new Upload\(/.test(text))
    for (const name of ['CreateMultipartUpload', 'UploadPart', 'CompleteMultipartUpload'])
      calls.add(name);
  return [...calls].sort();
}

function actionInputs(): Set<string> {
  return new Set<string>(Object.values(INPUTS));
}

/**
 * The options of the `node …dist/cli.js` command in a script (its line and the continuation lines
 * that start with `--`), as action input names.
 */
function cliOptionsIn(text: string): string[] {
  const at = text.search(/node \S*dist\/cli\.js\S* /);
  if (at < 0) return [];
  const [first = '', ...rest] = text.slice(at).split('\n');
  const end = rest.findIndex((line) => !/^\s*--[a-z]/.test(line));
  const command = [first, ...rest.slice(0, end < 0 ? rest.length : end)].join(' ');
  return [...command.matchAll(/--([a-z0-9-]+)/g)].map(([, n]) => n ?? '');
}

describe('examples/iam-policy.json', () => {
  const policy = JSON.parse(readFileSync(join(EXAMPLES, 'iam-policy.json'), 'utf8')) as {
    Statement: { Action: string[] }[];
  };
  const allowed = new Set(policy.Statement.flatMap((s) => s.Action));

  it('allows exactly the S3 actions the action calls', () => {
    const calls = s3Calls();
    expect(calls.length).toBeGreaterThan(5);
    for (const call of calls) expect(IAM_ACTION).toHaveProperty([call]);
    expect([...allowed].sort()).toEqual([...new Set(calls.map((c) => IAM_ACTION[c]))].sort());
  });
});

describe('examples/outside-github', () => {
  const dir = join(EXAMPLES, 'outside-github');
  const inputs = actionInputs();

  it('backup.sh is valid sh and runs dist/cli.js with inputs the action has', () => {
    const file = join(dir, 'backup.sh');
    const check = spawnSync('sh', ['-n', file], { encoding: 'utf8' });
    expect(check.stderr).toBe('');
    expect(check.status).toBe(0);
    const set = cliOptionsIn(readFileSync(file, 'utf8'));
    expect(set).toContain('database-url');
    for (const name of set) expect(inputs.has(name)).toBe(true);
  });

  it.each(['gitlab-ci.yml', 'cronjob.yaml'])(
    '%s runs dist/cli.js with inputs the action has, secrets through env:',
    (name) => {
      const text = readFileSync(join(dir, name), 'utf8');
      expect(text).not.toMatch(/\t/);
      const set = cliOptionsIn(text);
      expect(set).toContain('database-url');
      for (const input of set) expect(inputs.has(input)).toBe(true);
      expect(text).toContain('--database-url env:DATABASE_URL');
    },
  );

  it('gitlab-ci.yml has the job and cronjob.yaml is a CronJob that runs once at a time', () => {
    const gitlab = readFileSync(join(dir, 'gitlab-ci.yml'), 'utf8');
    expect(gitlab).toMatch(/^nightly-backup:\n( {2}.*\n|\n)* {2}script:\n/m);
    const cronjob = readFileSync(join(dir, 'cronjob.yaml'), 'utf8');
    expect(cronjob).toMatch(/^apiVersion: batch\/v1\nkind: CronJob\n/m);
    expect(cronjob).toMatch(/^ {2}concurrencyPolicy: Forbid$/m);
    expect(cronjob).toMatch(/secretKeyRef: \{ name: pg-backup, key: database-url \}/);
  });

  it('crontab runs backup.sh', () => {
    const lines = readFileSync(join(dir, 'crontab'), 'utf8')
      .split('\n')
      .filter((l) => l.trim() && !l.startsWith('#'));
    expect(lines.some((l) => /^(\S+\s+){5}.*backup\.sh/.test(l))).toBe(true);
  });
});
