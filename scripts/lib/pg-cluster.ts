/**
 * Throw-away PostgreSQL servers for integration tests.
 *
 * Server binaries: Debian's /usr/lib/postgresql/15/bin for 15, the npm packages
 * node_modules/pg-server-{13,17,18}/native/bin for the others (their RUNPATH is
 * $ORIGIN/../lib, so no LD_LIBRARY_PATH is needed). Clients (psql, pg_dump):
 * /usr/lib/postgresql/{18,15}/bin, see scripts/provision.sh.
 *
 * initdb refuses to run as root: when the tests run as root every server
 * command runs as the `postgres` user (runuser) in a data dir that user owns.
 * If `postgres` cannot reach the embedded binaries (repo under a private
 * directory), they are copied once to a world-readable dir under os.tmpdir().
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { REPO as REPO_ROOT } from './repo.js';
import { collectProcess } from './spawn.js';

export type ServerMajor = 13 | 15 | 17 | 18;

export interface PgCluster {
  major: number;
  port: number;
  binDir: string;
  superuser: string;
  password: string;
  url(database?: string, opts?: { user?: string; password?: string }): string;
  psql(sql: string, database?: string): Promise<string>;
  createDatabase(name: string): Promise<void>;
  stop(): Promise<void>;
}

export interface StartClusterOptions {
  /** Extra postgresql.conf settings, e.g. `{ shared_buffers: '16MB' }`. */
  settings?: Record<string, string | number>;
}

export interface RunOptions {
  env?: NodeJS.ProcessEnv;
  input?: string;
  cwd?: string;
  /** Strings replaced by *** in error messages. */
  secrets?: string[];
}

export interface RunResult {
  stdout: string;
  stderr: string;
}

const SERVER_MAJORS: readonly ServerMajor[] = [13, 15, 17, 18];
const CLIENT_MAJORS_NEWEST_FIRST = [18, 17, 16, 15, 14, 13];
const SUPERUSER = 'postgres';
const OS_USER = 'postgres';

export { REPO as REPO_ROOT } from './repo.js';

const isRoot = (): boolean => process.getuid?.() === 0;

/** Where the server binaries of a major live (not checked for existence). */
export function serverBinDir(major: number): string {
  if (major === 15) return '/usr/lib/postgresql/15/bin';
  return path.join(REPO_ROOT, 'node_modules', `pg-server-${major}`, 'native', 'bin');
}

function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Which server majors (13/15/17/18) can be started on this machine. */
export function availableMajors(): number[] {
  return SERVER_MAJORS.filter((m) =>
    ['postgres', 'initdb', 'pg_ctl'].every((b) => isExecutable(path.join(serverBinDir(m), b))),
  );
}

/** /usr/lib/postgresql/N/bin when it holds pg_dump, else undefined. */
export function clientBinDir(major: number): string | undefined {
  const dir = `/usr/lib/postgresql/${major}/bin`;
  return isExecutable(path.join(dir, 'pg_dump')) ? dir : undefined;
}

/** The newest client bin dir whose major is at least `minMajor`; throws if none. */
export function clientBinDirFor(minMajor: number): string {
  for (const m of CLIENT_MAJORS_NEWEST_FIRST) {
    const dir = m >= minMajor ? clientBinDir(m) : undefined;
    if (dir) return dir;
  }
  throw new Error(`no PostgreSQL client >= ${minMajor} found (run scripts/provision.sh)`);
}

function redact(text: string, secrets: readonly string[]): string {
  return secrets.filter((s) => s.length > 0).reduce((t, s) => t.split(s).join('***'), text);
}

function tail(text: string, lines = 20): string {
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}

/** Runs a program (no shell); rejects with its exit code and stderr tail, secrets redacted. */
export async function runCommand(
  cmd: string,
  args: readonly string[],
  opts: RunOptions = {},
): Promise<RunResult> {
  const run = await collectProcess(cmd, args, opts).catch((e: Error) => {
    throw new Error(`${path.basename(cmd)} could not start: ${e.message}`);
  });
  const result = { stdout: run.stdout, stderr: run.stderr };
  if (run.code === 0) return result;
  const why = run.signal ? `signal ${run.signal}` : `exit code ${run.code}`;
  const detail = redact(tail(result.stderr || result.stdout), opts.secrets ?? []);
  throw new Error(`${path.basename(cmd)} failed (${why}): ${detail}`);
}

/** Runs a server program as `postgres` when we are root, directly otherwise. */
function runAsServerUser(cmd: string, args: readonly string[], cwd: string): Promise<RunResult> {
  if (!isRoot()) return runCommand(cmd, args, { cwd });
  return runCommand('runuser', ['-u', OS_USER, '--', cmd, ...args], { cwd });
}

function serverUserIds(): { uid: number; gid: number } | undefined {
  if (!isRoot()) return undefined;
  const uid = spawnSync('id', ['-u', OS_USER], { encoding: 'utf8' });
  const gid = spawnSync('id', ['-g', OS_USER], { encoding: 'utf8' });
  if (uid.status !== 0 || gid.status !== 0)
    throw new Error(`user ${OS_USER} does not exist (run scripts/provision.sh)`);
  return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
}

function serverUserCanExecute(file: string): boolean {
  if (!isRoot()) return isExecutable(file);
  return spawnSync('runuser', ['-u', OS_USER, '--', 'test', '-x', file]).status === 0;
}

/** A bin dir whose programs the server user can run, copying the embedded package if needed. */
function usableServerBinDir(major: number): string {
  const binDir = serverBinDir(major);
  if (serverUserCanExecute(path.join(binDir, 'postgres'))) return binDir;
  const nativeDir = path.dirname(binDir);
  const version = spawnSync(path.join(binDir, 'postgres'), ['--version'], { encoding: 'utf8' })
    .stdout.trim()
    .split(' ')
    .pop();
  const target = path.join(os.tmpdir(), `pg-server-${major}-${version ?? 'unknown'}`);
  if (!fs.existsSync(path.join(target, 'bin', 'postgres'))) copyNativeDir(nativeDir, target);
  return path.join(target, 'bin');
}

function copyNativeDir(nativeDir: string, target: string): void {
  const staging = `${target}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  for (const sub of ['bin', 'lib', 'share']) {
    fs.cpSync(path.join(nativeDir, sub), path.join(staging, sub), {
      recursive: true,
      verbatimSymlinks: true,
    });
  }
  spawnSync('chmod', ['-R', 'a+rX', staging]);
  try {
    fs.renameSync(staging, target);
  } catch {
    fs.rmSync(staging, { recursive: true, force: true }); // another worker won the race
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => (port ? resolve(port) : reject(new Error('could not pick a free port'))));
    });
  });
}

function makePassword(): string {
  return `p@ss:w/rd #1%?${randomBytes(6).toString('hex')}`;
}

function quoteConf(value: string | number): string {
  return typeof value === 'number' ? String(value) : `'${value.replace(/'/g, "''")}'`;
}

export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

export function quoteLiteral(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

/** Environment for client programs: password only in the child's env, no stray PG* settings. */
export function clientEnv(cluster: Pick<PgCluster, 'password'>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (!k.startsWith('PG') && k !== 'LD_LIBRARY_PATH') env[k] = v;
  }
  return { ...env, PGPASSWORD: cluster.password, PGCONNECT_TIMEOUT: '10', PGSSLMODE: 'disable' };
}

/** libpq connection arguments (-h -p -U -d) for a client program. */
export function connArgs(
  cluster: Pick<PgCluster, 'port' | 'superuser'>,
  database = 'postgres',
): string[] {
  return ['-h', '127.0.0.1', '-p', String(cluster.port), '-U', cluster.superuser, '-d', database];
}

interface ClusterPaths {
  base: string;
  data: string;
  log: string;
}

function makeBaseDir(major: number): ClusterPaths {
  const base = fs.mkdtempSync(path.join(os.tmpdir(), `pgtest-${major}-`));
  const ids = serverUserIds();
  if (ids) fs.chownSync(base, ids.uid, ids.gid);
  return { base, data: path.join(base, 'data'), log: path.join(base, 'server.log') };
}

async function initdb(binDir: string, paths: ClusterPaths, password: string): Promise<void> {
  const pwfile = path.join(paths.base, 'pwfile');
  fs.writeFileSync(pwfile, `${password}\n`, { mode: 0o600 });
  const ids = serverUserIds();
  if (ids) fs.chownSync(pwfile, ids.uid, ids.gid);
  try {
    await runAsServerUser(
      path.join(binDir, 'initdb'),
      [
        '-D',
        paths.data,
        '--auth=scram-sha-256',
        `--username=${SUPERUSER}`,
        `--pwfile=${pwfile}`,
        '--encoding=UTF8',
        '--locale=C',
        '--no-sync',
      ],
      paths.base,
    );
  } finally {
    fs.rmSync(pwfile, { force: true });
  }
}

function writeConfig(paths: ClusterPaths, settings: Record<string, string | number>): void {
  const conf: Record<string, string | number> = {
    listen_addresses: '127.0.0.1',
    unix_socket_directories: paths.data,
    fsync: 'off',
    max_connections: 50,
    password_encryption: 'scram-sha-256',
    ...settings,
  };
  const lines = Object.entries(conf).map(([k, v]) => `${k} = ${quoteConf(v)}`);
  // Appending / truncating keeps the files' owner (postgres).
  fs.appendFileSync(
    path.join(paths.data, 'postgresql.conf'),
    `\n# test cluster\n${lines.join('\n')}\n`,
  );
  fs.writeFileSync(
    path.join(paths.data, 'pg_hba.conf'),
    'host all all 127.0.0.1/32 scram-sha-256\n',
  );
}

function logTail(paths: ClusterPaths): string {
  try {
    return tail(fs.readFileSync(paths.log, 'utf8'), 30);
  } catch {
    return '(no server log)';
  }
}

/** Starts the server on a free port, retrying when another process grabbed the port first. */
async function startServer(binDir: string, paths: ClusterPaths): Promise<number> {
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    try {
      await runAsServerUser(
        path.join(binDir, 'pg_ctl'),
        ['-D', paths.data, '-l', paths.log, '-w', '-t', '60', '-o', `-p ${port}`, 'start'],
        paths.base,
      );
      return port;
    } catch (e) {
      const log = logTail(paths);
      if (attempt < 3 && /already in use/i.test(log)) continue;
      throw new Error(`${(e as Error).message}\n--- server log tail ---\n${log}`, { cause: e });
    }
  }
}

function stopSync(binDir: string, paths: ClusterPaths): void {
  const args = ['-D', paths.data, '-m', 'immediate', 'stop'];
  const pgCtl = path.join(binDir, 'pg_ctl');
  if (isRoot())
    spawnSync('runuser', ['-u', OS_USER, '--', pgCtl, ...args], {
      cwd: paths.base,
      stdio: 'ignore',
    });
  else spawnSync(pgCtl, args, { cwd: paths.base, stdio: 'ignore' });
  fs.rmSync(paths.base, { recursive: true, force: true });
}

/**
 * A detached shell that stops the server and removes its files once this (jest worker)
 * process is gone, so a test that never calls stop(), a crash or a kill leaks nothing.
 * (process 'exit' handlers do not fire inside jest's sandbox.) Killed by stop().
 */
function startWatchdog(binDir: string, paths: ClusterPaths): ChildProcess {
  const asUser = isRoot() ? `runuser -u ${OS_USER} -- ` : '';
  const script =
    `while kill -0 ${process.pid} 2>/dev/null; do sleep 1; done; ` +
    `${asUser}"$1" -D "$2" -m immediate stop >/dev/null 2>&1; rm -rf "$3"`;
  const child = spawn(
    'sh',
    ['-c', script, 'pg-test-watchdog', path.join(binDir, 'pg_ctl'), paths.data, paths.base],
    {
      cwd: paths.base,
      detached: true,
      stdio: 'ignore',
    },
  );
  child.unref();
  return child;
}

function killWatchdog(watchdog: ChildProcess): void {
  if (watchdog.pid === undefined) return;
  try {
    process.kill(-watchdog.pid, 'SIGKILL'); // its own process group: the shell and its sleep
  } catch {
    // already gone
  }
}

function makeCluster(
  major: number,
  binDir: string,
  paths: ClusterPaths,
  port: number,
  password: string,
): PgCluster {
  const watchdog = startWatchdog(binDir, paths);
  let stopped = false;
  const cluster: PgCluster = {
    major,
    port,
    binDir,
    superuser: SUPERUSER,
    password,
    url(database = 'postgres', opts = {}) {
      const user = opts.user ?? SUPERUSER;
      const pw = opts.password ?? (opts.user === undefined ? password : undefined);
      const auth =
        pw === undefined
          ? encodeURIComponent(user)
          : `${encodeURIComponent(user)}:${encodeURIComponent(pw)}`;
      return `postgresql://${auth}@127.0.0.1:${port}/${encodeURIComponent(database)}`;
    },
    async psql(sql, database = 'postgres') {
      const psqlBin = path.join(clientBinDirFor(major), 'psql');
      const args = [
        '-X',
        '-A',
        '-t',
        '-q',
        '-v',
        'ON_ERROR_STOP=1',
        ...connArgs(cluster, database),
        '-f',
        '-',
      ];
      const res = await runCommand(psqlBin, args, {
        env: clientEnv(cluster),
        input: sql,
        secrets: [password],
      });
      return res.stdout;
    },
    async createDatabase(name) {
      await cluster.psql(`CREATE DATABASE ${quoteIdent(name)}`);
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      killWatchdog(watchdog);
      try {
        await runAsServerUser(
          path.join(binDir, 'pg_ctl'),
          ['-D', paths.data, '-m', 'immediate', 'stop'],
          paths.base,
        );
      } finally {
        fs.rmSync(paths.base, { recursive: true, force: true });
      }
    },
  };
  return cluster;
}

/** initdb + start a private server of `major` on 127.0.0.1 and a free port. */
export async function startCluster(
  major: ServerMajor,
  opts: StartClusterOptions = {},
): Promise<PgCluster> {
  if (!availableMajors().includes(major)) {
    throw new Error(
      `PostgreSQL ${major} server not found in ${serverBinDir(major)} (run scripts/provision.sh / npm ci)`,
    );
  }
  const binDir = usableServerBinDir(major);
  const paths = makeBaseDir(major);
  const password = makePassword();
  try {
    await initdb(binDir, paths, password);
    writeConfig(paths, opts.settings ?? {});
    const port = await startServer(binDir, paths);
    return makeCluster(major, binDir, paths, port, password);
  } catch (e) {
    stopSync(binDir, paths);
    throw e;
  }
}

/**
 * Starts a server of `binDir` on a fresh copy (`cp -a`) of `dataDir`: a cleanly stopped data
 * directory owned by `postgres` whose superuser is `postgres`. The copy gets the test config and
 * the superuser a fresh password (set over the copy's own socket, the only trusted connection).
 */
export async function startClusterFromData(
  major: number,
  binDir: string,
  dataDir: string,
  opts: StartClusterOptions = {},
): Promise<PgCluster> {
  const paths = makeBaseDir(major);
  const password = makePassword();
  try {
    await runCommand('cp', ['-a', dataDir, paths.data]);
    writeConfig(paths, opts.settings ?? {});
    fs.appendFileSync(path.join(paths.data, 'pg_hba.conf'), `local all ${SUPERUSER} trust\n`);
    const port = await startServer(binDir, paths);
    const psql = path.join(clientBinDirFor(major), 'psql');
    const sql = `ALTER ROLE ${SUPERUSER} PASSWORD ${quoteLiteral(password)}`;
    const args = ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-h', paths.data, '-p', String(port)];
    await runCommand(psql, [...args, '-U', SUPERUSER, '-d', 'postgres', '-f', '-'], {
      env: clientEnv({ password }),
      input: sql,
      secrets: [password],
    });
    return makeCluster(major, binDir, paths, port, password);
  } catch (e) {
    stopSync(binDir, paths);
    throw e;
  }
}
