import { describe, expect, it } from '@jest/globals';
import { copyDataLines } from '../../../src/pipeline/copy-lines.js';

describe('copyDataLines', () => {
  it.each<[string, number, { stop: number; lines: number }]>([
    ['1\ta\n2\tb\n\\.\nSELECT 1;\n', 0, { stop: 8, lines: 2 }],
    ['1\ta\n2\tb\n\\.\n', 4, { stop: 8, lines: 1 }],
    ['\\.\nSELECT 1;\n', 0, { stop: 0, lines: 0 }],
    ['1\ta\n2\tb', 0, { stop: 4, lines: 1 }],
    ['1\ta', 0, { stop: 0, lines: 0 }],
    ['\n\n\\.\n', 0, { stop: 2, lines: 2 }],
    ['\\\\.\n\\.x\n\\.', 0, { stop: 8, lines: 2 }],
  ])('%j from %i', (text, pos, expected) => {
    expect(copyDataLines(Buffer.from(text, 'latin1'), pos)).toEqual(expected);
  });
});
