// The examples that actionlint does not read: the IAM policy (it must allow exactly the S3 calls
// the action makes) and the ones for running outside GitHub (shell syntax, dist/cli.js options
// that are inputs of the action, secrets through env:).
// (GitLab's YAML is not a workflow: its job shape and inputs are checked as text.)
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { INPUTS } from '../../src/inputs/read.js';
import { REPO } from '../../scripts/lib/repo.js';

const EXAMPLES = join(REPO, 'examples');

/** The IAM action each S3 call of the SDK needs (S3Writer's upload: the multipart calls). */
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

  it('is quoted as it is in docs/storage.md', () => {
    const doc = readFileSync(join(REPO, 'docs', 'storage.md'), 'utf8');
    const quoted = /```json\n([\s\S]*?)```/.exec(doc)?.[1];
    expect(quoted).toBe(readFileSync(join(EXAMPLES, 'iam-policy.json'), 'utf8'));
  });

  it('allows exactly the S3 actions the action calls', () => {
    const calls = s3Calls();
    expect(calls.length).toBeGreaterThan(5);
    for (const call of calls) expect(IAM_ACTION).toHaveProperty([call]);
    expect([...allowed].sort()).toEqual([...new Set(calls.map((c) => IAM_ACTION[c]))].sort());
  });
});

interface Policy {
  Statement: {
    Action: string | string[];
    Resource?: string;
    Condition?: Record<string, Record<string, string | string[]>>;
  }[];
}

function policy(file: string): Policy {
  return JSON.parse(readFileSync(join(EXAMPLES, file), 'utf8')) as Policy;
}

const actionsOf = (s: Policy['Statement'][number]) => [s.Action].flat();

/** The role each example assumes, with its permission policy and its trust policy. */
const ROLES: Record<string, { permissions: string; trust: string }> = {
  'pg-backup': { permissions: 'iam-policy.json', trust: 'trust-policy.json' },
  'pg-backup-read': { permissions: 'iam-policy-read.json', trust: 'trust-policy-read.json' },
};

/** Each job of an example workflow that assumes a role: the role and the job's `environment:`. */
function assumedRoles(text: string): { job: string; role: string; environment?: string }[] {
  const body = text.slice(text.search(/^jobs:/m));
  const jobs = body.split(/^(?= {2}[\w-]+:\s*$)/m).slice(1);
  return jobs.flatMap((job) => {
    const name = /^ {2}([\w-]+):/.exec(job)?.[1] ?? '';
    const environment = /^ {4}environment:\s*(.+?)(?:\s+#.*)?$/m.exec(job)?.[1];
    return [...job.matchAll(/role-to-assume:\s*arn:aws:iam::\d+:role\/([\w+=,.@-]+)/g)].map(
      ([, role]) => ({ job: name, role: role ?? '', environment }),
    );
  });
}

/** The OIDC subjects a trust policy accepts, without the `repo:my-org/my-app:` part. */
function subjects(file: string): string[] {
  const statement = policy(file).Statement[0];
  expect(actionsOf(statement ?? { Action: [] })).toEqual(['sts:AssumeRoleWithWebIdentity']);
  const equals = statement?.Condition?.StringEquals ?? {};
  expect(equals['token.actions.githubusercontent.com:aud']).toBe('sts.amazonaws.com');
  const sub = [equals['token.actions.githubusercontent.com:sub'] ?? []].flat();
  for (const s of sub) expect(s).toMatch(/^repo:my-org\/my-app:/);
  return sub.map((s) => s.replace('repo:my-org/my-app:', ''));
}

describe('the AWS roles of the examples', () => {
  const uses = readdirSync(EXAMPLES)
    .filter((f) => f.endsWith('.yml'))
    .flatMap((file) =>
      assumedRoles(readFileSync(join(EXAMPLES, file), 'utf8')).map((u) => ({ file, ...u })),
    );

  it('are the two roles whose policies ship in examples/', () => {
    expect(uses.length).toBeGreaterThan(10);
    expect([...new Set(uses.map((u) => u.role))].sort()).toEqual(Object.keys(ROLES).sort());
  });

  // GitHub's OIDC reference: a job that references an environment gets the subject
  // repo:ORG/REPO:environment:NAME, any other job of a push, schedule or workflow_dispatch
  // repo:ORG/REPO:ref:refs/heads/BRANCH (the examples run on main).
  it("are trusted for the subject of every job that assumes them (the job's environment, or main)", () => {
    for (const { file, job, role, environment } of uses) {
      const trusted = subjects(ROLES[role]?.trust ?? '');
      const where = `${file}, job ${job}, role ${role}`;
      if (!environment)
        expect([where, trusted]).toEqual([where, expect.arrayContaining(['ref:refs/heads/main'])]);
      else if (environment.startsWith('${{'))
        expect([where, trusted.some((s) => s.startsWith('environment:'))]).toEqual([where, true]);
      else
        expect([where, trusted]).toEqual([
          where,
          expect.arrayContaining([`environment:${environment}`]),
        ]);
    }
  });

  // AWS's Service Authorization Reference for S3 lists s3:prefix as a condition key of
  // s3:ListBucket and s3:ListBucketVersions, not of s3:ListBucketMultipartUploads: a prefix
  // condition on it never matches, and the post step's search for unfinished uploads is denied.
  it('never put s3:ListBucketMultipartUploads under an s3:prefix condition', () => {
    const files = readdirSync(EXAMPLES, { recursive: true, encoding: 'utf8' }).filter((f) =>
      f.endsWith('.json'),
    );
    expect(files.length).toBeGreaterThan(5);
    for (const file of files)
      for (const s of policy(file).Statement)
        if (actionsOf(s).includes('s3:ListBucketMultipartUploads'))
          expect([file, JSON.stringify(s.Condition ?? {})]).toEqual([
            file,
            expect.not.stringContaining('s3:prefix'),
          ]);
  });

  it('the read role lists and reads the prefix, and writes only verification records', () => {
    const statements = policy('iam-policy-read.json').Statement;
    const allowed = (action: string) =>
      statements.filter((s) => actionsOf(s).includes(action)).map((s) => s.Resource);
    expect(allowed('s3:ListBucket')).toEqual(['arn:aws:s3:::my-backups']);
    expect(allowed('s3:GetObject')).toEqual(['arn:aws:s3:::my-backups/app/nightly/*']);
    for (const write of ['s3:PutObject', 's3:DeleteObject'])
      expect(allowed(write)).toEqual(['arn:aws:s3:::my-backups/app/nightly/*.verified.json']);
    const all = new Set(statements.flatMap(actionsOf));
    expect([...all].sort()).toEqual([
      's3:DeleteObject',
      's3:GetObject',
      's3:ListBucket',
      's3:PutObject',
    ]);
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
