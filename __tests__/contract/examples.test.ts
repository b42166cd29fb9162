// The examples that actionlint does not read: the IAM policy (it must allow exactly the S3 calls
// the action makes) and the ones for running outside GitHub (shell syntax, inputs that exist).
// (GitLab's YAML is not a workflow: its job shape and inputs are checked as text.)
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { INPUTS } from '../../src/inputs/read.js';
import { REPO } from '../../scripts/lib/repo.js';

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

/** The `INPUT_<NAME>` names a script sets, as action input names. */
function inputsSetIn(text: string): string[] {
  return [...text.matchAll(/INPUT_([A-Z0-9-]+)=/g)].map(([, n]) => (n ?? '').toLowerCase());
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

  it('backup.sh is valid sh and sets only inputs the action has', () => {
    const file = join(dir, 'backup.sh');
    const check = spawnSync('sh', ['-n', file], { encoding: 'utf8' });
    expect(check.stderr).toBe('');
    expect(check.status).toBe(0);
    const set = inputsSetIn(readFileSync(file, 'utf8'));
    expect(set.length).toBeGreaterThan(0);
    for (const name of set) expect(inputs.has(name)).toBe(true);
  });

  it('gitlab-ci.yml has the job and its script sets only inputs the action has', () => {
    const text = readFileSync(join(dir, 'gitlab-ci.yml'), 'utf8');
    expect(text).toMatch(/^nightly-backup:\n( {2}.*\n|\n)* {2}script:\n/m);
    expect(text).not.toMatch(/\t/);
    const set = inputsSetIn(text);
    expect(set).toContain('database-url');
    for (const name of set) expect(inputs.has(name)).toBe(true);
  });

  it('crontab runs backup.sh', () => {
    const lines = readFileSync(join(dir, 'crontab'), 'utf8')
      .split('\n')
      .filter((l) => l.trim() && !l.startsWith('#'));
    expect(lines.some((l) => /^(\S+\s+){5}.*backup\.sh/.test(l))).toBe(true);
  });
});
