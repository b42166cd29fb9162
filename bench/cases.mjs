// The benchmark's cases: (a) bare pg_dump … (h) restores, each a command line or an action run;
// (n) the same dumps through a throttled link (throttle.mjs), where the network is the bottleneck.
import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { prepareStep } from '../scripts/lib/action-env.ts';
import { DEFAULTS } from '../scripts/lib/repo.ts';
import { S3_CREDENTIALS } from '../scripts/lib/s3-server.ts';

const AGE_RECIPIENT = 'age1peeekq8zr8492rrjr2wvsnz8ne28wqzspdt2tg0r28ymzxf72skqannpyx';

/** The action as the runner runs it: `node <bundle>` with INPUT_* variables and runner files. */
function actionRun(ctx, inputs, extraEnv = {}) {
  return async () => {
    const step = await prepareStep(
      // The runner sets every input, action.yml's defaults included.
      { ...DEFAULTS, 'pg-bin-dir': ctx.bin, ...inputs },
      {
        // BENCH_NODE_OPTIONS: node options for the action's process only (e.g. a memory probe).
        env: { ...nodeOptions(), ...extraEnv },
        runnerDir: join(ctx.work, `runner-${Date.now()}`),
      },
    );
    return {
      cmd: process.execPath,
      args: [ctx.script],
      env: step.env,
      cwd: step.env.GITHUB_WORKSPACE,
    };
  };
}

function nodeOptions() {
  const options = process.env.BENCH_NODE_OPTIONS;
  return options ? { NODE_OPTIONS: options, MEMLOG: process.env.MEMLOG } : {};
}

/** Every case, in the order of a round; `base` names the bare counterpart of a ratio. */
export function benchCases(ctx) {
  const { db, tool, work } = ctx;
  const file = (name) => join(work, name);
  const clean =
    (...names) =>
    () =>
      names.forEach((n) => rmSync(file(n), { recursive: true, force: true }));
  const bareDump = (round) => ['-Fc', '-Z', 'zstd:3', '-f', file(`a-${round}.dump`), db.url()];
  const backup = (id, inputs, env, url = db.url()) => ({
    prepare: (round) =>
      actionRun(
        ctx,
        { 'database-url': url, storage: file(`${id}-${round}`), ...inputs(round) },
        env,
      )(),
    cleanup: (round) => (id === 'c' && round === 1 ? undefined : clean(`${id}-${round}`)()),
  });
  const s3Env = { ...S3_CREDENTIALS, AWS_REGION: 'us-east-1' };
  const restoreSource = () => file('c-1');
  const dumpIn = () =>
    join(
      restoreSource(),
      readdirSync(restoreSource()).find((n) => n.endsWith('.dump')),
    );
  const target = (name) => ({
    prepare: () => {
      db.sql(`DROP DATABASE IF EXISTS ${name}`, 'postgres');
      db.sql(`CREATE DATABASE ${name}`, 'postgres');
    },
    cleanup: () => db.sql(`DROP DATABASE IF EXISTS ${name}`, 'postgres'),
  });
  const actionRestore = (name, jobs) => ({
    prepare: async () => {
      db.sql(`DROP DATABASE IF EXISTS ${name}`, 'postgres');
      return actionRun(ctx, {
        command: 'restore',
        storage: restoreSource(),
        'target-database-url': db.url(name),
        ...(jobs ? { jobs } : {}),
      })();
    },
    cleanup: () => db.sql(`DROP DATABASE IF EXISTS ${name}`, 'postgres'),
  });
  return [
    {
      id: 'a',
      title: 'bare pg_dump -Fc -Z zstd:3 -f file',
      cmd: tool('pg_dump'),
      args: bareDump,
      env: process.env,
      cleanup: clean('a-1.dump', 'a-2.dump', 'a-3.dump'),
    },
    {
      id: 'b',
      title: 'pg_dump | gzip > file (blog script)',
      base: 'a',
      cmd: 'bash',
      env: process.env,
      args: (round) => [
        '-c',
        `set -o pipefail; "$0" "$1" | gzip > "$2"`,
        tool('pg_dump'),
        db.url(),
        file(`b-${round}.sql.gz`),
      ],
      cleanup: clean('b-1.sql.gz', 'b-2.sql.gz', 'b-3.sql.gz'),
    },
    {
      id: 'c',
      title: 'action, defaults (verify archive), local directory',
      base: 'a',
      ...backup('c', () => ({})),
    },
    {
      id: 'd',
      title: 'action, verify: none',
      base: 'a',
      ...backup('d', () => ({ verify: 'none' })),
    },
    {
      id: 'e',
      title: 'action, age encryption',
      base: 'a',
      ...backup('e', () => ({ 'age-recipients': AGE_RECIPIENT })),
    },
    {
      id: 'f',
      title: 'action, to the local S3 server',
      base: 'a',
      ...backup(
        'f',
        (round) => ({
          storage: `s3://bench/f-${round}/`,
          's3-endpoint': ctx.s3?.endpoint ?? '',
          's3-force-path-style': 'true',
          's3-region': 'us-east-1',
        }),
        s3Env,
      ),
    },
    {
      id: 'g1',
      title: 'bare pg_dump -Fd -j2 -Z zstd:3',
      cmd: tool('pg_dump'),
      env: process.env,
      args: (r) => ['-Fd', '-j2', '-Z', 'zstd:3', '-f', file(`g1-${r}`), db.url()],
      cleanup: (r) => clean(`g1-${r}`)(),
    },
    {
      id: 'g2',
      title: 'action, format directory, jobs 2',
      base: 'g1',
      ...backup('g2', () => ({ format: 'directory', jobs: '2' })),
    },
    {
      id: 'h1',
      title: 'bare pg_restore -d',
      restore: true,
      cmd: tool('pg_restore'),
      env: process.env,
      args: () => ['--no-owner', '--no-privileges', '-d', db.url('r_bare'), dumpIn()],
      ...target('r_bare'),
    },
    {
      id: 'h2',
      title: 'action restore (one transaction)',
      base: 'h1',
      restore: true,
      ...actionRestore('r_action'),
    },
    {
      id: 'h3',
      title: 'bare pg_restore -j2 -d',
      restore: true,
      cmd: tool('pg_restore'),
      env: process.env,
      args: () => ['--no-owner', '--no-privileges', '-j2', '-d', db.url('r_bare2'), dumpIn()],
      ...target('r_bare2'),
    },
    {
      id: 'h4',
      title: 'action restore, jobs 2',
      base: 'h3',
      restore: true,
      ...actionRestore('r_action2', '2'),
    },
    ...networkCases(ctx, file, clean, backup),
  ];
}

/** n1 bare pg_dump, n2 the action's defaults, n3 age: all through the throttled link. */
function networkCases(ctx, file, clean, backup) {
  if (!ctx.net) return [];
  const via = `through ${ctx.net.label}`;
  return [
    {
      id: 'n1',
      title: `bare pg_dump -Fc -Z zstd:3 -f file, ${via}`,
      cmd: ctx.tool('pg_dump'),
      env: process.env,
      args: (r) => ['-Fc', '-Z', 'zstd:3', '-f', file(`n1-${r}.dump`), ctx.net.url()],
      cleanup: (r) => clean(`n1-${r}.dump`)(),
    },
    {
      id: 'n2',
      title: `action, defaults, ${via}`,
      base: 'n1',
      ...backup('n2', () => ({}), {}, ctx.net.url()),
    },
    {
      id: 'n3',
      title: `action, age encryption, ${via}`,
      base: 'n1',
      ...backup('n3', () => ({ 'age-recipients': AGE_RECIPIENT }), {}, ctx.net.url()),
    },
  ];
}
