import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { CopyRows } from '../../../src/pipeline/copy-rows.js';
import { chunksOf } from '../../helpers/unit-support.js';

function count(chunks: Buffer[]): CopyRows {
  const rows = new CopyRows();
  for (const chunk of chunks) rows.feed(chunk);
  rows.end();
  return rows;
}

// COPY data as pg_dump stores it in a data block: rows, the `\.` line, blank lines.
const BLOCK = Buffer.from('1\tfirst\n2\t\\\\.\n3\t\\.x\n\\.y\n4\ta\\nb\n5\t\\N\n\\.\n\n\n');

describe('CopyRows', () => {
  it('counts the lines before the \\. line and keeps the rest as the trailer', () => {
    const rows = count([BLOCK]);
    expect(rows.rows).toBe(6);
    expect(rows.ended).toBe(true);
    expect(rows.trailer().toString()).toBe('\\.\n\n\n');
  });

  it('gives the same count and trailer however the data is split', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: BLOCK.length }), (size) => {
        const rows = count(chunksOf(BLOCK, size));
        expect([rows.rows, rows.trailer().toString()]).toEqual([6, '\\.\n\n\n']);
      }),
    );
  });

  it('takes \\.\\r as the end too, and counts an empty table as 0 rows', () => {
    expect(count([Buffer.from('a\nb\n\\.\r\n')]).rows).toBe(2);
    const empty = count([Buffer.from('\\.\n\n\n')]);
    expect([empty.rows, empty.ended]).toEqual([0, true]);
  });

  it('counts every line of data without a \\. line, a last line without newline too', () => {
    const rows = count([Buffer.from('1\n2\n3')]);
    expect([rows.rows, rows.ended, rows.trailer().length]).toEqual([3, false, 0]);
  });
});
