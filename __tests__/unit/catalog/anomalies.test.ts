// The worst day as pure functions: what a comparison flags, what hold a backup records, and that
// retention and check honour the newest backup's hold.
import { describe, expect, it } from '@jest/globals';
import {
  describeAnomalies,
  detectAnomalies,
  nextHold,
  type Compared,
} from '../../../src/catalog/anomalies.js';
import { assess } from '../../../src/catalog/health.js';
import { backupId } from '../../../src/catalog/naming.js';
import { selectExpired } from '../../../src/catalog/retention.js';
import type { AnomalyPolicy } from '../../../src/settings.js';
import { manifestOf, NOW } from '../../helpers/check-kit.js';

const WARN: AnomalyPolicy = { mode: 'warn', rowDrop: 50 };

/** A backup with these tables (`schema.name` → rows), counted unless `verified` is false. */
function backup(id: string, tables: Record<string, number>, verified = true): Compared {
  const rows = Object.entries(tables).map(([key, n]) => {
    const [schema = '', name = ''] = key.split('.');
    return { schema, name, rows: n };
  });
  return {
    id,
    tables: rows,
    totalRows: rows.reduce((sum, t) => sum + t.rows, 0),
    verification: { archive: verified ? 'passed' : 'skipped' },
  };
}

const kinds = (p: Compared | undefined, c: Compared, policy = WARN) =>
  (detectAnomalies(p, c, policy) ?? []).map((a) => a.kind);

describe('detectAnomalies', () => {
  const before = backup('app-1', { 'public.orders': 1000, 'public.users': 100, 'public.log': 0 });

  it.each([
    ['rows grow', { 'public.orders': 1200, 'public.users': 100, 'public.log': 0 }, []],
    ['rows fall by 40%', { 'public.orders': 560, 'public.users': 100, 'public.log': 0 }, []],
    [
      'rows fall by more than 50%',
      { 'public.orders': 400, 'public.users': 100, 'public.log': 0 },
      ['rows-dropped'],
    ],
    [
      'a table emptied',
      { 'public.orders': 1000, 'public.users': 0, 'public.log': 0 },
      ['table-emptied'],
    ],
    ['a table with rows dropped', { 'public.orders': 1000, 'public.log': 0 }, ['table-removed']],
    ['an empty table dropped', { 'public.orders': 1000, 'public.users': 100 }, []],
    [
      'every row gone',
      { 'public.orders': 0, 'public.users': 0, 'public.log': 0 },
      ['empty', 'rows-dropped', 'table-emptied', 'table-emptied'],
    ],
    ['every table gone', {}, ['empty', 'rows-dropped', 'table-removed', 'table-removed']],
  ])('%s → %j', (_, after, expected) => {
    expect(kinds(before, backup('app-2', after))).toEqual(expected);
  });

  it('compares nothing without a previous backup, with anomaly: off, or without counted rows', () => {
    const empty = backup('app-2', {});
    expect(detectAnomalies(undefined, empty, WARN)).toBeUndefined();
    expect(detectAnomalies(before, empty, { mode: 'off', rowDrop: 50 })).toBeUndefined();
    expect(detectAnomalies(before, backup('app-2', {}, false), WARN)).toBeUndefined();
  });

  it('takes anomaly-row-drop as the limit and names the numbers', () => {
    const after = backup('app-2', { 'public.orders': 800, 'public.users': 100, 'public.log': 0 });
    const [flag] = detectAnomalies(before, after, { mode: 'warn', rowDrop: 10 }) ?? [];
    expect(flag).toEqual({
      kind: 'rows-dropped',
      detail:
        'Total rows fell from 1100 to 900 (18.2% fewer, more than anomaly-row-drop 10%) since app-1.',
    });
  });

  it('names at most 10 tables of a kind, then how many more', () => {
    const many = Object.fromEntries(Array.from({ length: 14 }, (_, i) => [`s.t${i}`, 5]));
    const flags = detectAnomalies(backup('a-1', many), backup('a-2', { 's.t0': 5 }), WARN) ?? [];
    const removed = flags.filter((f) => f.kind === 'table-removed');
    expect(removed).toHaveLength(11);
    expect(removed.at(-1)?.detail).toBe('And 3 more tables that had rows (table-removed).');
    expect(describeAnomalies(flags)).toBe('rows-dropped, table-removed ×11');
  });
});

describe('nextHold', () => {
  const flag = [{ kind: 'empty' as const, detail: 'x' }];
  const held = { ...backup('app-1', {}), hold: { since: 'app-0', reason: 'empty' } };

  it.each([
    ['warn, flagged, no hold before', 'warn', undefined, flag, { since: 'app-2', reason: 'empty' }],
    ['fail, flagged', 'fail', undefined, flag, { since: 'app-2', reason: 'empty' }],
    ['warn, clean, no hold before', 'warn', undefined, [], undefined],
    ['warn, clean, hold before: carried', 'warn', held, [], held.hold],
    ['warn, flagged again: the first hold stays', 'warn', held, flag, held.hold],
    ['off: the hold is carried', 'off', held, [], held.hold],
    ['accept ends the hold', 'accept', held, flag, undefined],
    ['accept, flagged, no hold before', 'accept', undefined, flag, undefined],
  ] as const)('%s', (_, mode, previous, anomalies, expected) => {
    const hold = nextHold(
      previous,
      { id: 'app-2', anomalies: [...anomalies] },
      {
        mode,
        rowDrop: 50,
      },
    );
    expect(hold).toEqual(expected);
  });
});

describe('retention while the newest backup carries a hold', () => {
  const DAY = 86_400_000;
  const start = Date.parse('2026-01-01T02:00:00Z');
  const nightly = Array.from({ length: 14 }, (_, i) => {
    const createdAt = new Date(start + i * DAY);
    const id = backupId('app', createdAt);
    return { id, createdAt: createdAt.toISOString() };
  });

  it('keeps every backup (rule hold) and reports the hold', () => {
    const hold = { since: nightly[2]?.id ?? '', reason: 'empty' };
    const backups = nightly.map((b, i) => (i >= 2 ? { ...b, hold } : b));
    const s = selectExpired(backups, { daily: 7 });
    expect(s.expired).toEqual([]);
    expect(s.hold).toEqual(hold);
    expect(s.kept.map((k) => k.rules)).toEqual([
      ...Array.from({ length: 7 }, () => ['daily']),
      ...Array.from({ length: 7 }, () => ['hold']),
    ]);
  });

  it('applies the policy again once the newest backup has no hold (accepted)', () => {
    const hold = { since: nightly[2]?.id ?? '', reason: 'empty' };
    const backups = nightly.map((b, i) => (i >= 2 && i < 13 ? { ...b, hold } : b));
    const s = selectExpired(backups, { daily: 7 });
    expect(s.hold).toBeUndefined();
    expect(s.expired).toHaveLength(7);
  });

  it('a hold on an older backup alone does not hold', () => {
    const hold = { since: nightly[0]?.id ?? '', reason: 'empty' };
    const s = selectExpired([{ ...nightly[0], hold }, ...nightly.slice(1)], { last: 1 });
    expect(s.hold).toBeUndefined();
    expect(s.expired).toHaveLength(13);
  });
});

describe('assess: a hold', () => {
  it('is a problem naming the backup that started it and what ends it', () => {
    const newest = {
      ...manifestOf('app', 1, 1000),
      hold: { since: 'app-20260101T020000Z', reason: 'empty' },
    };
    const health = assess(newest, undefined, { maxAge: { months: 0, ms: 26 * 3_600_000 } }, NOW);
    expect(health.healthy).toBe(false);
    expect(health.hold).toEqual(newest.hold);
    expect(health.problems.join(' ')).toMatch(
      /on hold since app-20260101T020000Z \(empty\).*anomaly: accept/,
    );
  });
});
