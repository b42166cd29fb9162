// One very long value (64 MB in one COPY line) restores through the SQL path — a plain backup
// (pg_dump → gzip → psql) and an overwrite restore of a custom backup (pg_restore -f - → psql) —
// exactly as it was. The filter in between passes the line through as it comes (see
// unit/pipeline/sql-filter.linear.test.ts for the bytes it copies); no timing is asserted here.
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { backupWith, restoreWith } from '../helpers/command-run.js';
import { startCluster, type PgCluster } from '../../scripts/lib/pg-cluster.js';

const PIECES = 2_000_000; // 32 bytes each: 64 MB, plus the escapes below
let cluster: PgCluster;

/** md5 and length of the long value in `database`. */
const fingerprint = (database: string) =>
  cluster.psql(`SELECT md5(v) || ' ' || length(v) FROM long_value`, database);

beforeAll(async () => {
  cluster = await startCluster(15);
  await cluster.createDatabase('src');
  // Newlines, tabs, backslashes, quotes and dollars every 100 000 bytes: COPY escapes the first
  // three, so the value stays one line of about 64 MB, cut into the pipes' chunks anywhere.
  await cluster.psql(
    `CREATE TABLE long_value (id int PRIMARY KEY, v text);
     INSERT INTO long_value SELECT 1, string_agg(md5(g::text)
       || CASE WHEN g % 3125 = 0 THEN E'\\n\\t\\\\''$$' ELSE '' END, '' ORDER BY g)
       FROM generate_series(1, ${PIECES}) g;`,
    'src',
  );
}, 300_000);

afterAll(async () => {
  await cluster?.stop();
});

describe('a 64 MB value in one line', () => {
  it.each([
    ['a plain backup (gzip), into a new database', { format: 'plain' }],
    ['a custom backup restored with overwrite', { format: 'custom' }],
  ])(
    'in %s restores through psql unchanged',
    async (_name, inputs) => {
      const dir = await mkdtemp(join(tmpdir(), 'long-value-'));
      await backupWith({ 'database-url': cluster.url('src'), storage: dir, ...inputs });
      const target = `t_${inputs.format}`;
      const overwrite = inputs.format === 'custom';
      if (overwrite) {
        await cluster.createDatabase(target);
        await cluster.psql('CREATE TABLE old (id int); INSERT INTO old VALUES (1);', target);
      }
      const report = await restoreWith({
        'target-database-url': cluster.url(target),
        storage: dir,
        ...(overwrite ? { overwrite: 'true', confirm: target } : {}),
      });
      expect(report.comparison.mismatches).toEqual([]);
      const source = await fingerprint('src');
      expect(source).toMatch(/^[0-9a-f]{32} 64\d{6}\n?$/);
      expect(await fingerprint(target)).toBe(source);
    },
    600_000,
  );
});
