import { writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { it } from '@jest/globals';
import { startCluster, clientEnv } from '../helpers/pg-cluster.js';
it('probe', async () => {
  const c = await startCluster(18);
  await c.createDatabase('app');
  await c.psql("CREATE TABLE t (i int default 1, s text); INSERT INTO t VALUES (1,'a'); CREATE INDEX ON t(i); CREATE VIEW v AS SELECT * FROM t; CREATE SEQUENCE sq; CREATE FUNCTION f() RETURNS int LANGUAGE sql AS 'select 1'; SELECT lo_from_bytea(0, 'hello');", 'app');
  const env = { ...process.env, ...clientEnv(c) };
  for (const i of [1, 2]) {
    execFileSync('/usr/lib/postgresql/18/bin/pg_dump', ['-Fc', '-f', `/tmp/probe/d${i}.dump`, c.url('app')], { env });
    execFileSync('/usr/lib/postgresql/18/bin/pg_dump', ['-f', `/tmp/probe/d${i}.sql`, c.url('app')], { env });
    writeFileSync(`/tmp/probe/r${i}.sql`, execFileSync('/usr/lib/postgresql/18/bin/pg_restore', ['-f', '-', `/tmp/probe/d${i}.dump`]));
  }
  await c.stop();
}, 120000);
