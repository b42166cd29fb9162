// A backup of PostgreSQL 18's regression database restored into a PostgreSQL 15 server: the schema
// uses what 15 does not have (builtin collations, virtual generated columns, WITHOUT OVERLAPS, …),
// so the restore must fail with one error that says what failed and what to do, and leave nothing.
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { BackupReport } from '../../src/outputs/backup.js';
import { backupWith, restoreWith } from '../helpers/command-run.js';
import { startCluster, type PgCluster } from '../../scripts/lib/pg-cluster.js';
import {
  CLIENT_BIN_DIR,
  firstFailingObject,
  restoreScript,
  startRegressionCluster,
  timed,
  type FirstFailure,
} from '../helpers/regression.js';

let source: PgCluster;
let old: PgCluster;
let store: string;
let backup: BackupReport;

beforeAll(async () => {
  [source, old] = await timed('start the regression server and a PostgreSQL 15 server', () =>
    Promise.all([startRegressionCluster(), startCluster(15)]),
  );
  store = await mkdtemp(join(tmpdir(), 'fidelity-cross-version-'));
  backup = await timed('backup (custom)', () =>
    backupWith({
      'database-url': source.url('regression'),
      storage: store,
      'pg-bin-dir': CLIENT_BIN_DIR,
    }),
  );
}, 600_000);

afterAll(async () => {
  await Promise.all([source?.stop(), old?.stop()]);
});

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * The object of a failure as the error may name it after `object:`: its dump comment
 * (`Name: x; Type: y`), or its type and qualified name (`COLLATION public.x`).
 */
function objectPattern(failure: FirstFailure): RegExp {
  const field = (key: string) => new RegExp(`${key}: ([^;]*)`).exec(failure.object)?.[1] ?? '';
  const [name, type, schema] = [field('Name'), field('Type'), field('Schema')];
  const qualified = schema && schema !== '-' ? `${schema}.${name}` : name;
  const forms = [
    `(-- )?Name: ${escape(name)}; Type: ${escape(type)}`,
    escape(`${type} ${qualified}`),
  ];
  return new RegExp(`object: (${forms.join('|')})`);
}

describe('restore of an 18 backup into PostgreSQL 15', () => {
  it('fails with one error naming both majors, the first failing object and what to do; no database is left', async () => {
    const archive = join(store, backup.manifest.object.key);
    const script = await restoreScript(archive, ['--no-owner', '--no-privileges']);
    const expected = await timed('find the first statement 15 rejects', () =>
      firstFailingObject(old, script),
    );
    console.log(`[fidelity] 15 rejects first: ${expected.object} (${expected.error})`);
    expect(expected.object).toMatch(/^Name: .+; Type: /);

    const error = await timed('restore into 15', () =>
      restoreWith({
        'target-database-url': old.url('from_18'),
        storage: store,
        'pg-bin-dir': CLIENT_BIN_DIR,
      }).then(
        () => undefined,
        (e: unknown) => e as Error,
      ),
    );
    const message = error?.message ?? '(the restore succeeded)';
    console.log(`[fidelity] the error: ${message}`);
    expect(message).toContain('pg_dump 18');
    expect(message).toContain('PostgreSQL 15');
    expect(message).toMatch(objectPattern(expected));
    expect(message).toMatch(/at least as new/);
    expect(message).toMatch(/pg-version: 15/);
    const exists = await old.psql("SELECT count(*) FROM pg_database WHERE datname = 'from_18'");
    expect(exists.trim()).toBe('0');
  });
});
