// The benchmark's database: one PostgreSQL cluster kept under BENCH_DIR and reused by later runs
// (its data loaded once per BENCH_SCALE), with data that compresses like real data.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync, appendFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { serverBinDir } from '../scripts/lib/pg-cluster.ts';

const OS_USER = 'postgres';

/** Runs a program as the server's OS user (initdb refuses root); throws with its stderr. */
function asServerUser(bin, args, cwd) {
  const asRoot = process.getuid?.() === 0;
  const [cmd, argv] = asRoot ? ['runuser', ['-u', OS_USER, '--', bin, ...args]] : [bin, args];
  const res = spawnSync(cmd, argv, { cwd, encoding: 'utf8' });
  if (res.status !== 0) throw new Error(`${bin} ${args.join(' ')}: ${res.stderr || res.stdout}`);
  return res.stdout;
}

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = /** @type {import('node:net').AddressInfo} */ (srv.address());
      srv.close(() => resolve(port));
    });
  });
}

/**
 * The SQL that fills the database: pgbench's tables (which compress to almost nothing) plus
 * `orders`, BENCH_SCALE × 30 000 rows of mixed text, numeric, timestamps, arrays and jsonb with
 * random content (hex digests, words from a list, amounts) that compresses about 3:1 like
 * application data.
 */
export function ordersSql(scale) {
  const rows = scale * 30_000;
  const words = `'{alpha,bravo,charlie,delta,echo,foxtrot,golf,hotel,india,juliet,kilo,lima,mike,november,oscar,papa,quebec,romeo,sierra,tango,uniform,victor,whiskey,xray,yankee,zulu,invoice,shipped,pending,refund,customer,priority,standard,express,warehouse,berlin,paris,tokyo,lagos,lima,quito,oslo,returned,damaged,gift,wrap,note,call,email,sms}'::text[]`;
  return `
CREATE TABLE orders (
  id bigint PRIMARY KEY, customer text NOT NULL, email text, note text, amount numeric(12,2),
  ratio double precision, created timestamptz, tags text[], attrs jsonb);
INSERT INTO orders
SELECT g,
  'customer ' || (g * 7919 % 200000),
  substr(md5(g::text), 1, 12) || '@example.com',
  (SELECT string_agg((${words})[1 + floor(random() * 52)::int], ' ')
     FROM generate_series(1, 6 + (g % 12))),
  round((random() * 10000)::numeric, 2),
  random(),
  timestamptz '2024-01-01' + random() * interval '700 days',
  ARRAY[(${words})[1 + (g % 52)], (${words})[1 + floor(random() * 52)::int]],
  jsonb_build_object('sku', md5(random()::text), 'qty', floor(random() * 100)::int,
    'gift', random() < 0.1, 'channel', (ARRAY['web','app','store','phone'])[1 + g % 4],
    'ref', substr(md5((g * 31)::text), 1, 16))
FROM generate_series(1::bigint, ${rows}) g;
CREATE INDEX orders_customer ON orders (customer);
VACUUM ANALYZE orders;`;
}

/** Starts (creating and loading on first use) the bench cluster of `major` at `scale`. */
export async function openBenchDatabase({ dir, major, scale, pgbench, psql, log }) {
  const base = join(dir, `pg${major}-scale${scale}`);
  const data = join(base, 'data');
  const bin = serverBinDir(major);
  if (!existsSync(join(base, 'ready'))) createCluster(base, data, bin);
  const port = await freePort();
  writeFileSync(join(base, 'server.log'), '');
  spawnSync('chown', [OS_USER, join(base, 'server.log')]);
  asServerUser(
    join(bin, 'pg_ctl'),
    ['-D', data, '-l', join(base, 'server.log'), '-w', '-o', `-p ${port}`, 'start'],
    base,
  );
  const db = {
    port,
    base,
    data,
    url: (name = 'bench') => `postgresql://postgres@127.0.0.1:${port}/${name}`,
    postmasterPid: () => Number(readFileSync(join(data, 'postmaster.pid'), 'utf8').split('\n')[0]),
    sql: (text, name = 'bench') => runPsql(psql, port, name, text),
    stop: () => asServerUser(join(bin, 'pg_ctl'), ['-D', data, '-m', 'fast', 'stop'], base),
  };
  if (!existsSync(join(base, 'ready'))) {
    try {
      load(db, { pgbench, scale, log, base });
    } catch (error) {
      db.stop();
      throw error;
    }
  }
  return db;
}

function createCluster(base, data, bin) {
  mkdirSync(base, { recursive: true });
  spawnSync('chown', ['-R', OS_USER, base]);
  if (existsSync(data)) spawnSync('rm', ['-rf', data]); // a load that did not finish
  asServerUser(
    join(bin, 'initdb'),
    ['-D', data, '--auth=trust', '-U', 'postgres', '-E', 'UTF8', '--locale=C', '--no-sync'],
    base,
  );
  appendFileSync(
    join(data, 'postgresql.conf'),
    "\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = ''\nfsync = off\n" +
      'max_wal_size = 4GB\nmax_connections = 40\n',
  );
}

function load(db, { pgbench, scale, log, base }) {
  const started = Date.now();
  log(`loading the bench database (pgbench scale ${scale} + ${scale * 30_000} order rows)…`);
  db.sql('CREATE DATABASE bench', 'postgres');
  const res = spawnSync(
    pgbench,
    [
      '-i',
      '-q',
      '-s',
      String(scale),
      '-h',
      '127.0.0.1',
      '-p',
      String(db.port),
      '-U',
      'postgres',
      'bench',
    ],
    { encoding: 'utf8' },
  );
  if (res.status !== 0) throw new Error(`pgbench -i failed: ${res.stderr}`);
  db.sql(ordersSql(scale));
  writeFileSync(join(base, 'ready'), `${new Date().toISOString()}\n`);
  log(`loaded in ${((Date.now() - started) / 1000).toFixed(0)} s`);
}

function runPsql(psql, port, database, text) {
  const args = [
    '-X',
    '-A',
    '-t',
    '-q',
    '-v',
    'ON_ERROR_STOP=1',
    '-h',
    '127.0.0.1',
    '-p',
    String(port),
  ];
  const res = spawnSync(psql, [...args, '-U', 'postgres', '-d', database, '-f', '-'], {
    input: text,
    encoding: 'utf8',
    maxBuffer: 1 << 26,
  });
  if (res.status !== 0) throw new Error(`psql failed: ${res.stderr}`);
  return res.stdout.trim();
}
