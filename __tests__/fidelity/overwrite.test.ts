// overwrite: true over a full copy of PostgreSQL's regression database (partitioned tables whose
// indexes and constraints depend on each other, domains, an event trigger, large objects): the
// archive's objects are replaced and the copy equals the original again; a target object that
// depends on one of them stops the overwrite, which then leaves the copy exactly as it was.
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { BackupReport } from '../../src/outputs/backup.js';
import { diffLines, formatDiff } from '../helpers/adjust-dump.js';
import { backupWith, restoreWith } from '../helpers/command-run.js';
import type { PgCluster } from '../../scripts/lib/pg-cluster.js';
import {
  CLIENT_BIN_DIR,
  adjustedDumps,
  exactRowCounts,
  plainDump,
  startRegressionCluster,
  timed,
} from '../helpers/regression.js';

let server: PgCluster;
let store: string;
let backup: BackupReport;
let source: { full: string; schema: string };
let sourceCounts: Record<string, number>;

beforeAll(async () => {
  server = await timed('start the regression server', startRegressionCluster);
  store = await mkdtemp(join(tmpdir(), 'fidelity-overwrite-'));
  backup = await timed('backup (custom)', () =>
    backupWith({
      'database-url': server.url('regression'),
      storage: store,
      'pg-bin-dir': CLIENT_BIN_DIR,
    }),
  );
  source = await timed('dump the source (full, schema-only)', () =>
    adjustedDumps(server, 'regression', true),
  );
  sourceCounts = await timed('count the source rows', () => exactRowCounts(server, 'regression'));
}, 600_000);

afterAll(async () => {
  await server?.stop();
});

/** A full copy of `regression`: every object the archive will drop and create is there. */
async function copyOfRegression(name: string): Promise<void> {
  await timed(`CREATE DATABASE ${name} TEMPLATE regression`, () =>
    server.psql(`CREATE DATABASE ${name} TEMPLATE regression`),
  );
}

/** Restores the custom backup over `target` with overwrite, owners and privileges kept. */
function overwrite(target: string) {
  return timed(`restore with overwrite into ${target}`, () =>
    restoreWith({
      'target-database-url': server.url(target),
      storage: store,
      backup: backup.manifest.id,
      overwrite: 'true',
      confirm: target,
      'no-owner': 'false',
      'no-privileges': 'false',
      'pg-bin-dir': CLIENT_BIN_DIR,
    }),
  );
}

describe('overwrite over a full copy of the regression database', () => {
  it('replaces every object of the archive: the dumps of the copy and the original are identical', async () => {
    await copyOfRegression('copy');
    const report = await overwrite('copy');
    expect(report.comparison.mismatches).toEqual([]);
    const copy = await timed('dump copy', () => adjustedDumps(server, 'copy', false));
    const full = diffLines(source.full, copy.full);
    const schema = diffLines(source.schema, copy.schema);
    console.log(`[fidelity] overwrite: ${full.length} / ${schema.length} differing lines`);
    expect(formatDiff(full)).toBe('');
    expect(formatDiff(schema)).toBe('');
    expect(await exactRowCounts(server, 'copy')).toEqual(sourceCounts);
  });

  it('fails on a target-only view that depends on an archive table, names it, and changes nothing', async () => {
    await copyOfRegression('copy_with_view');
    await server.psql(
      'CREATE VIEW public.fidelity_target_only AS SELECT unique1, stringu1 FROM public.onek',
      'copy_with_view',
    );
    const before = await timed('dump copy_with_view', () => plainDump(server, 'copy_with_view'));
    const countsBefore = await exactRowCounts(server, 'copy_with_view');
    const error = await overwrite('copy_with_view').then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(error?.message).toMatch(/fidelity_target_only/);
    console.log(`[fidelity] overwrite refused: ${error?.message.split('\n')[0]}`);
    const after = await timed('dump copy_with_view', () => plainDump(server, 'copy_with_view'));
    expect(formatDiff(diffLines(before, after))).toBe('');
    expect(await exactRowCounts(server, 'copy_with_view')).toEqual(countsBefore);
  });
});
