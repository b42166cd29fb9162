// `node dist/cli.js` as a user runs it outside GitHub Actions (a shell with PATH and HOME, no
// GITHUB_* variable): the round trip backup → restore → verify → prune → check on a directory and
// a real local S3, secrets only through `env:NAME`, passwords from PGPASSWORD and PGPASSFILE,
// --help, a refused option; and a log with no workflow command and nothing percent-escaped.
import { chmod, mkdtemp, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ACTION_INPUTS } from '../../src/cli/action-inputs.js';
import { INPUTS } from '../../src/inputs/read.js';
import { parseFileCommand } from '../../scripts/lib/action-env.js';
import { loadSample, tableRowCounts } from '../helpers/db-compare.js';
import {
  availableMajors,
  startCluster,
  type PgCluster,
  type ServerMajor,
} from '../../scripts/lib/pg-cluster.js';
import { REPO } from '../../scripts/lib/repo.js';
import { S3_CREDENTIALS, startS3Server, type S3Server } from '../../scripts/lib/s3-server.js';
import { collectProcess, type Collected } from '../../scripts/lib/spawn.js';

const major = (availableMajors().includes(18) ? 18 : 15) as ServerMajor;
const CLI = join(REPO, 'dist', 'cli.js');
let cluster: PgCluster;
let s3: S3Server;
let work: string;

beforeAll(async () => {
  [cluster, s3] = await Promise.all([startCluster(major), startS3Server(['backups'])]);
  await loadSample(cluster, 'app');
  work = await mkdtemp(join(tmpdir(), 'cli-e2e-'));
}, 120_000);

afterAll(async () => {
  await Promise.all([cluster?.stop(), s3?.stop()]);
});

/** A user's shell: PATH, HOME (an empty one: no ~/.pgpass) and what the test adds. */
async function shellEnv(extra: Record<string, string> = {}): Promise<NodeJS.ProcessEnv> {
  const home = await mkdtemp(join(work, 'home-'));
  return { PATH: process.env.PATH, HOME: home, ...extra };
}

function cli(args: string[], env: NodeJS.ProcessEnv): Promise<Collected> {
  return collectProcess(process.execPath, [CLI, ...args], { env, cwd: work });
}

/** Lines of stdout and stderr that a runner would read as a workflow command. */
function workflowCommands(run: Collected): string[] {
  return `${run.stdout}\n${run.stderr}`.split('\n').filter((l) => l.startsWith('::'));
}

/** What must hold of every run's log: no workflow command, no password. */
function plainAndQuiet(run: Collected): { commands: string[]; password: boolean } {
  const text = run.stdout + run.stderr;
  return {
    commands: workflowCommands(run),
    password:
      text.includes(cluster.password) || text.includes(encodeURIComponent(cluster.password)),
  };
}

/** The Error: and Warning: lines of a run (the AWS SDK's own stderr notes are not the action's). */
function problems(run: Collected): string[] {
  return run.stderr.split('\n').filter((l) => /^(Error|Warning): /.test(l));
}

const CLEAN = { commands: [], password: false };
const noPasswordUrl = (db: string) => cluster.url(db, { user: cluster.superuser });

describe('node dist/cli.js --help and a bad command line', () => {
  it('--help lists the commands and every input of action.yml, and exits 0', async () => {
    const run = await cli(['--help'], await shellEnv());
    expect(run.code).toBe(0);
    expect(run.stderr).toBe('');
    for (const command of ['backup', 'restore', 'verify', 'prune', 'check'])
      expect(run.stdout).toMatch(new RegExp(`^  ${command} `, 'm'));
    const listed = [...run.stdout.matchAll(/^ {2}--([a-z0-9-]+)$/gm)].map((m) => m[1]);
    const names = Object.values(INPUTS).filter((n) => n !== 'command');
    expect(listed.sort()).toEqual([...names].sort());
    expect(ACTION_INPUTS.map((i) => i.name).sort()).toEqual(Object.values(INPUTS).sort());
    expect(run.stdout.replace(/\s+/g, ' ')).toContain('(default: artifact://)');
  }, 30_000);

  it('an unknown option is refused with exit code 2 and one line naming it', async () => {
    const run = await cli(['backup', '--databse-url', 'env:DATABASE_URL'], await shellEnv());
    expect({ code: run.code, stdout: run.stdout, stderr: run.stderr.split('\n') }).toEqual({
      code: 2,
      stdout: '',
      stderr: [expect.stringMatching(/^Error: unknown option --databse-url\b/), ''],
    });
  }, 30_000);

  it('env:NAME of a variable that is not set is refused, naming it', async () => {
    const run = await cli(['backup', '--database-url', 'env:NOT_SET_ANYWHERE'], await shellEnv());
    expect(run.code).toBe(2);
    expect(run.stderr).toBe(
      'Error: --database-url env:NOT_SET_ANYWHERE: the environment variable NOT_SET_ANYWHERE is not set.\n',
    );
  }, 30_000);
});

describe('the round trip with secrets from env:', () => {
  let dir: string;
  let env: NodeJS.ProcessEnv;
  let outputs: string;
  const runs: Record<string, Collected> = {};

  beforeAll(async () => {
    dir = join(work, 'backups');
    outputs = join(work, 'outputs');
    await writeFile(outputs, '');
    env = await shellEnv({
      DATABASE_URL: cluster.url('app'),
      TARGET_URL: cluster.url('restored'),
      DRILL_URL: cluster.url('drill'),
      ...S3_CREDENTIALS,
      AWS_EC2_METADATA_DISABLED: 'true',
    });
    const s3Args = ['--s3-endpoint', s3.endpoint, '--s3-force-path-style', 'true'];
    const storage = ['--storage', dir, '--storage', 's3://backups/app/'];
    const db = ['--database-url', 'env:DATABASE_URL'];
    runs.backup = await cli(['backup', ...db, ...storage, ...s3Args], {
      ...env,
      GITHUB_OUTPUT: outputs,
    });
    runs.second = await cli(['backup', ...db, `--storage=${dir}`], env);
    const target = ['--target-database-url', 'env:TARGET_URL'];
    runs.restore = await cli(['restore', '--storage', dir, '--label', 'app', ...target], env);
    const drill = ['--target-database-url=env:DRILL_URL'];
    runs.verify = await cli(['verify', '--storage', 's3://backups/app/', ...s3Args, ...drill], env);
    runs.prune = await cli(['prune', '--storage', dir, '--label', 'app', '--keep-last', '1'], env);
    runs.check = await cli(['check', '--storage', dir, '--label', 'app', '--max-age', '1h'], env);
    // The action's own entry outside GitHub (inputs as INPUT_*, no GITHUB_STATE): the same log.
    const inputs = { INPUT_COMMAND: 'check', INPUT_STORAGE: dir, 'INPUT_MAX-AGE': '1h' };
    const index = join(REPO, 'dist', 'index.js');
    runs.index = await collectProcess(process.execPath, [index], { env: { ...env, ...inputs } });
  }, 600_000);

  it('every command succeeds with a command-line log: no ::, no password', () => {
    for (const [name, run] of Object.entries(runs))
      expect({ name, code: run.code, problems: problems(run), ...plainAndQuiet(run) }).toEqual({
        name,
        code: 0,
        problems: [],
        ...CLEAN,
      });
  });

  it('phases are heading lines and the result is stated once', () => {
    const lines = runs.backup?.stdout.split('\n') ?? [];
    expect(lines.filter((l) => l.startsWith('==> ')).length).toBeGreaterThan(2);
    const results = lines.filter((l) => l.startsWith('Backed up app-'));
    expect(results).toHaveLength(1);
  });

  it('outputs go to GITHUB_OUTPUT when it is set', async () => {
    const written = parseFileCommand(await readFile(outputs, 'utf8'));
    expect(written['backup-id']).toMatch(/^app-\d{8}T\d{6}Z$/);
    expect(written.location).toBe(join(dir, `${written['backup-id']}.dump`));
  });

  it('restores the rows, verifies from S3, prunes to one and checks it fresh', async () => {
    expect(await tableRowCounts(cluster, 'restored')).toEqual(await tableRowCounts(cluster, 'app'));
    expect(runs.verify?.stdout).toMatch(/^Verified app-/m);
    expect(runs.prune?.stdout).toMatch(/kept 1, deleted 1\./);
    expect(runs.check?.stdout).toMatch(/^Healthy: the newest backup of 'app'/m);
    expect(runs.index?.stdout).toMatch(/^Healthy: the newest backup of 'app'/m);
  });

  it('writes the local backup files 0600', async () => {
    const files = await readdir(dir);
    expect(files.some((f) => f.endsWith('.manifest.json'))).toBe(true);
    for (const f of files.filter((name) => !name.startsWith('.')))
      expect({ f, mode: ((await stat(join(dir, f))).mode & 0o777).toString(8) }).toEqual({
        f,
        mode: '600',
      });
  });
});

describe('a URL without a password takes it as libpq does', () => {
  /** A backup whose URL has no password, in a shell with `extra`; what it printed and stored. */
  async function backupWith(extra: Record<string, string>, name: string) {
    const storage = join(work, name);
    const args = ['backup', '--database-url', noPasswordUrl('app'), '--storage', storage];
    const run = await cli(args, await shellEnv(extra));
    const stored = await readdir(storage).catch(() => [] as string[]);
    return {
      code: run.code,
      stderr: run.stderr,
      manifests: stored.filter((f) => f.endsWith('.manifest.json')).length,
      ...plainAndQuiet(run),
    };
  }
  const STORED = { code: 0, stderr: '', manifests: 1, ...CLEAN };

  it('from PGPASSWORD', async () => {
    expect(await backupWith({ PGPASSWORD: cluster.password }, 'pgpassword')).toEqual(STORED);
  }, 120_000);

  it('from the PGPASSFILE line that matches host:port:db:user (escapes and all)', async () => {
    const file = join(work, 'pgpass');
    const escaped = cluster.password.replace(/\\/g, '\\\\').replace(/:/g, '\\:');
    const lines = [
      '# other servers first',
      `127.0.0.1:${cluster.port}:other:*:wrong`,
      `127.0.0.1:${cluster.port}:app:${cluster.superuser}:${escaped}`,
      '*:*:*:*:wrong-too',
    ];
    await writeFile(file, `${lines.join('\n')}\n`, { mode: 0o600 });
    await chmod(file, 0o600);
    expect(await backupWith({ PGPASSFILE: file }, 'pgpassfile')).toEqual(STORED);
  }, 120_000);

  it("none anywhere: one Error line naming where it looked, not the driver's SASL words", async () => {
    const run = await cli(
      ['backup', '--database-url', noPasswordUrl('app'), '--storage', join(work, 'none')],
      await shellEnv(),
    );
    expect(run.code).toBe(1);
    expect(workflowCommands(run)).toEqual([]);
    const errors = run.stderr.split('\n').filter(Boolean);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/^Error: The server at 127\.0\.0\.1:\d+ asks for a password/);
    expect(errors[0]).toContain('PGPASSWORD');
    expect(errors[0]).toContain('PGPASSFILE');
    expect(errors[0]).not.toContain('SASL');
  }, 120_000);
});

describe('examples/outside-github/backup.sh', () => {
  it('backs up with a quoted env file whose URL holds an &, as cron runs it', async () => {
    const envFile = join(work, 'pg-backup.env');
    const storage = join(work, 'from-cron');
    const url = `${cluster.url('app')}?sslmode=disable&application_name=cron-backup`;
    await writeFile(envFile, `DATABASE_URL='${url}'\nBACKUP_STORAGE='${storage}'\n`, {
      mode: 0o600,
    });
    const script = join(REPO, 'examples', 'outside-github', 'backup.sh');
    const env = await shellEnv({
      PG_BACKUP_ENV: envFile,
      ACTION_DIR: REPO,
      RUNNER_TEMP: join(work, 'cron-temp'),
    });
    const run = await collectProcess('sh', [script], { env, cwd: work });
    expect({ code: run.code, problems: problems(run), ...plainAndQuiet(run) }).toEqual({
      code: 0,
      problems: [],
      ...CLEAN,
    });
    expect(run.stdout).toMatch(/^Backed up app-\S+: .* at \//m);
    expect((await readdir(storage)).some((f) => f.endsWith('.manifest.json'))).toBe(true);
  }, 120_000);
});

describe('an error outside GitHub Actions', () => {
  it('is one Error: line with nothing percent-escaped (/ as %2F, not %252F)', async () => {
    const env = await shellEnv({ DATABASE_URL: 'postgresql://u:pa/ss@127.0.0.1:1/app' });
    const run = await cli(['backup', '--database-url', 'env:DATABASE_URL', '--storage', work], env);
    expect(run.code).toBe(1);
    expect(workflowCommands(run)).toEqual([]);
    const errors = run.stderr.split('\n').filter(Boolean);
    expect(errors).toEqual([
      expect.stringMatching(/^Error: Input 'database-url': .*\(\/ as %2F, /),
    ]);
    expect(run.stderr).not.toContain('%252F');
  }, 60_000);
});
