// What changed since the previous backup: compareWith on manifests (first backup, tables added and
// removed, rows before and after, the 20 largest changes, schema unchanged/changed/unknown), the
// summary line and the `changes` output.
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { compareWith } from '../../../src/catalog/changes.js';
import { parseManifest, serializeManifest, type Manifest } from '../../../src/catalog/manifest.js';
import type { TableRows } from '../../../src/pipeline/row-count.js';
import { backupSummaryRows, setBackupOutputs } from '../../../src/outputs/backup.js';
import { describeChanges, formatDelta } from '../../../src/outputs/changes.js';
import { manufacture } from '../../helpers/manufactured-backups.js';

const HASH_A = 'a'.repeat(64);
const HASH_B = 'b'.repeat(64);

function backup(
  at: string,
  tables: TableRows[],
  extra: Partial<Manifest> = { schema: { sha256: HASH_A, objects: 10 } },
): Manifest {
  const { manifest } = manufacture('app', new Date(at));
  const totalRows = tables.reduce((sum, t) => sum + t.rows, 0);
  return { ...manifest, tables, totalRows, ...extra };
}

const t = (name: string, rows: number, schema = 'public'): TableRows => ({ schema, name, rows });

describe('compareWith', () => {
  it('reports the first backup of a label with previous null and nothing compared', () => {
    const current = backup('2026-01-02T00:00:00Z', [t('orders', 5)]);
    expect(compareWith(undefined, current)).toEqual({
      previous: null,
      tablesAdded: [],
      tablesRemoved: [],
      rowsBefore: 0,
      rowsAfter: 5,
      schemaChanged: null,
      tables: [],
    });
  });

  it('lists tables added and removed, rows before and after and the changed tables', () => {
    const previous = backup('2026-01-01T00:00:00Z', [
      t('orders', 1000),
      t('sessions', 100_000),
      t('gone', 7, 'old'),
      t('same', 3),
    ]);
    const current = backup(
      '2026-01-02T00:00:00Z',
      [t('orders', 2204), t('sessions', 1689), t('new.table', 4, 'My "S"'), t('same', 3)],
      { schema: { sha256: HASH_B, objects: 11 } },
    );
    const changes = compareWith(previous, current);
    expect(changes).toEqual({
      previous: previous.id,
      tablesAdded: ['My "S".new.table'],
      tablesRemoved: ['old.gone'],
      rowsBefore: 101_010,
      rowsAfter: 3900,
      schemaChanged: true,
      tables: [
        { schema: 'public', name: 'sessions', before: 100_000, after: 1689 },
        { schema: 'public', name: 'orders', before: 1000, after: 2204 },
        { schema: 'old', name: 'gone', before: 7, after: 0 },
        { schema: 'My "S"', name: 'new.table', before: 0, after: 4 },
      ],
    });
    expect(describeChanges(changes)).toBe(
      `sessions −98 311, orders +1 204, old.gone −7, My "S".new.table +4, schema changed: 1 table added (My "S".new.table), 1 table removed (old.gone) (since ${previous.id})`,
    );
  });

  it('keeps the 20 largest changes by absolute delta, ties by name', () => {
    const before = Array.from({ length: 30 }, (_, i) => t(`t${String(i).padStart(2, '0')}`, 100));
    const after = before.map((x, i) => ({ ...x, rows: i % 2 ? 100 - i : 100 + i }));
    after.push(t('tie_a', 29), t('tie_b', 29));
    const changes = compareWith(
      backup('2026-01-01T00:00:00Z', before),
      backup('2026-01-02T00:00:00Z', after),
    );
    expect(changes.tables).toHaveLength(20);
    const deltas = changes.tables.map((c) => c.after - c.before);
    expect(deltas.slice(0, 4)).toEqual([-29, 29, 29, 28]);
    expect(changes.tables.slice(1, 3).map((c) => c.name)).toEqual(['tie_a', 'tie_b']);
    expect(changes.tables.map((c) => Math.abs(c.after - c.before))).toEqual(
      [...deltas.map(Math.abs)].sort((a, b) => b - a),
    );
    expect(changes.tables.some((c) => c.before === c.after)).toBe(false);
    expect(changes.schemaChanged).toBe(false);
  });

  it('says schema unchanged and no row changes for the same backup twice', () => {
    const tables = [t('orders', 5)];
    const previous = backup('2026-01-01T00:00:00Z', tables);
    const changes = compareWith(previous, backup('2026-01-02T00:00:00Z', tables));
    expect(changes).toMatchObject({ schemaChanged: false, tables: [], tablesAdded: [] });
    expect(describeChanges(changes)).toBe(
      `no row changes, schema unchanged (since ${previous.id})`,
    );
  });

  it('leaves schemaChanged null when either backup has no fingerprint', () => {
    const tables = [t('orders', 5)];
    const fingerprinted = backup('2026-01-01T00:00:00Z', tables);
    const older = backup('2026-01-02T00:00:00Z', tables, {});
    expect(compareWith(older, fingerprinted).schemaChanged).toBeNull();
    expect(compareWith(fingerprinted, older).schemaChanged).toBeNull();
  });

  it('compares no tables when a backup was not verified (verify none: no rows counted)', () => {
    const previous = backup('2026-01-01T00:00:00Z', [t('orders', 5)]);
    const skipped = backup('2026-01-02T00:00:00Z', [], { verification: { archive: 'skipped' } });
    expect(compareWith(previous, skipped)).toEqual({
      previous: previous.id,
      tablesAdded: [],
      tablesRemoved: [],
      rowsBefore: 5,
      rowsAfter: 0,
      schemaChanged: null,
      tables: [],
    });
  });
});

describe('the changes report', () => {
  it('formats deltas with groups of three and a minus sign', () => {
    expect([0, 7, 1204, -98311, 1_000_000].map(formatDelta)).toEqual([
      '+0',
      '+7',
      '+1 204',
      '−98 311',
      '+1 000 000',
    ]);
  });

  it('says a first backup has nothing to compare with', () => {
    const current = backup('2026-01-02T00:00:00Z', [t('orders', 5)]);
    expect(describeChanges(compareWith(undefined, current))).toMatch(/^first backup of this label/);
  });

  it('sets the changes output as JSON and adds a Changes summary row', async () => {
    const previous = backup('2026-01-01T00:00:00Z', [t('orders', 1)]);
    const current = backup('2026-01-02T00:00:00Z', [t('orders', 3)]);
    const changes = compareWith(previous, current);
    const report = {
      manifest: current,
      locations: ['/x'],
      manifestLocation: '/x',
      durationSeconds: 1,
      pruned: [],
      changes,
    };
    const saved = process.env.GITHUB_OUTPUT;
    process.env.GITHUB_OUTPUT = join(await mkdtemp(join(tmpdir(), 'changes-out-')), 'output');
    await writeFile(process.env.GITHUB_OUTPUT, '');
    try {
      setBackupOutputs(report);
      const written = await readFile(process.env.GITHUB_OUTPUT, 'utf8');
      const value = /changes<<(.+)\n([\s\S]*?)\n\1/.exec(written)?.[2];
      expect(JSON.parse(value ?? 'null')).toEqual(changes);
    } finally {
      process.env.GITHUB_OUTPUT = saved;
    }
    expect(backupSummaryRows(report)).toContainEqual([
      'Changes',
      `orders +2, schema unchanged (since ${previous.id})`,
    ]);
  });
});

describe('the manifest schema field', () => {
  const base = manufacture('app', new Date('2026-01-01T00:00:00Z')).manifest;
  it('is optional and kept when valid', () => {
    expect(parseManifest(serializeManifest(base), 'm').schema).toBeUndefined();
    const withSchema = { ...base, schema: { sha256: HASH_A, objects: 3 } };
    expect(parseManifest(serializeManifest(withSchema), 'm').schema).toEqual(withSchema.schema);
  });
  it.each([{ sha256: 'xyz', objects: 3 }, { sha256: HASH_A, objects: -1 }, 'abc'])(
    'is refused when malformed (%j)',
    (schema) => {
      const text = JSON.stringify({ ...base, schema });
      expect(() => parseManifest(text, 'm')).toThrow(/schema is not \{sha256, objects\}/);
    },
  );
});
