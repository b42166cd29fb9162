import { describe, expect, it } from '@jest/globals';
import { ActionError } from '../../../src/errors.js';
import {
  planStages,
  resolveCompression,
  type StagePlan,
} from '../../../src/pipeline/compression.js';
import type { Compression, DumpFormat } from '../../../src/settings.js';
import { thrown } from '../../helpers/unit-support.js';

type Row = [DumpFormat, string, number, Omit<StagePlan, 'encrypted'> | string];

function compression(raw: string): Compression {
  const [method, level] = raw.split(':');
  return level === undefined
    ? { method: method as Compression['method'] }
    : { method: method as Compression['method'], level: Number(level) };
}

const NEEDS_16 = 'needs pg_dump 16 or newer';

// [format, compression, client major, plan or the error it throws]
const TABLE: Row[] = [
  // custom: pg_dump compresses
  ['custom', 'auto', 15, { dumpCompress: '6', extension: '.dump', label: 'gzip:6' }],
  ['custom', 'auto', 16, { dumpCompress: 'zstd:3', extension: '.dump', label: 'zstd:3' }],
  ['custom', 'auto', 18, { dumpCompress: 'zstd:3', extension: '.dump', label: 'zstd:3' }],
  ['custom', 'none', 15, { dumpCompress: '0', extension: '.dump', label: 'none' }],
  ['custom', 'none', 16, { dumpCompress: '0', extension: '.dump', label: 'none' }],
  ['custom', 'none', 18, { dumpCompress: '0', extension: '.dump', label: 'none' }],
  ['custom', 'gzip', 15, { dumpCompress: '6', extension: '.dump', label: 'gzip:6' }],
  ['custom', 'gzip', 16, { dumpCompress: 'gzip:6', extension: '.dump', label: 'gzip:6' }],
  ['custom', 'gzip', 18, { dumpCompress: 'gzip:6', extension: '.dump', label: 'gzip:6' }],
  ['custom', 'gzip:9', 15, { dumpCompress: '9', extension: '.dump', label: 'gzip:9' }],
  ['custom', 'gzip:1', 16, { dumpCompress: 'gzip:1', extension: '.dump', label: 'gzip:1' }],
  ['custom', 'gzip:9', 18, { dumpCompress: 'gzip:9', extension: '.dump', label: 'gzip:9' }],
  ['custom', 'lz4', 15, NEEDS_16],
  ['custom', 'lz4', 16, { dumpCompress: 'lz4', extension: '.dump', label: 'lz4' }],
  ['custom', 'lz4:7', 18, { dumpCompress: 'lz4:7', extension: '.dump', label: 'lz4:7' }],
  ['custom', 'zstd', 15, NEEDS_16],
  ['custom', 'zstd:3', 15, NEEDS_16],
  ['custom', 'zstd', 16, { dumpCompress: 'zstd:3', extension: '.dump', label: 'zstd:3' }],
  ['custom', 'zstd:19', 18, { dumpCompress: 'zstd:19', extension: '.dump', label: 'zstd:19' }],
  // directory: pg_dump compresses the files; the action packs them as a tar stream
  ['directory', 'auto', 15, { dumpCompress: '6', extension: '.tar', label: 'gzip:6' }],
  ['directory', 'auto', 16, { dumpCompress: 'zstd:3', extension: '.tar', label: 'zstd:3' }],
  ['directory', 'auto', 18, { dumpCompress: 'zstd:3', extension: '.tar', label: 'zstd:3' }],
  ['directory', 'none', 15, { dumpCompress: '0', extension: '.tar', label: 'none' }],
  ['directory', 'none', 18, { dumpCompress: '0', extension: '.tar', label: 'none' }],
  ['directory', 'gzip:4', 15, { dumpCompress: '4', extension: '.tar', label: 'gzip:4' }],
  ['directory', 'gzip', 16, { dumpCompress: 'gzip:6', extension: '.tar', label: 'gzip:6' }],
  ['directory', 'lz4', 15, NEEDS_16],
  ['directory', 'lz4', 18, { dumpCompress: 'lz4', extension: '.tar', label: 'lz4' }],
  ['directory', 'zstd', 15, NEEDS_16],
  ['directory', 'zstd:5', 16, { dumpCompress: 'zstd:5', extension: '.tar', label: 'zstd:5' }],
  ['directory', 'zstd', 18, { dumpCompress: 'zstd:3', extension: '.tar', label: 'zstd:3' }],
  // plain: the action compresses the stream, with any client
  [
    'plain',
    'auto',
    15,
    { streamCompression: { method: 'gzip', level: 6 }, extension: '.sql.gz', label: 'gzip:6' },
  ],
  [
    'plain',
    'auto',
    16,
    { streamCompression: { method: 'zstd', level: 3 }, extension: '.sql.zst', label: 'zstd:3' },
  ],
  [
    'plain',
    'auto',
    18,
    { streamCompression: { method: 'zstd', level: 3 }, extension: '.sql.zst', label: 'zstd:3' },
  ],
  ['plain', 'none', 15, { extension: '.sql', label: 'none' }],
  ['plain', 'none', 16, { extension: '.sql', label: 'none' }],
  ['plain', 'none', 18, { extension: '.sql', label: 'none' }],
  [
    'plain',
    'gzip',
    15,
    { streamCompression: { method: 'gzip', level: 6 }, extension: '.sql.gz', label: 'gzip:6' },
  ],
  [
    'plain',
    'gzip:9',
    16,
    { streamCompression: { method: 'gzip', level: 9 }, extension: '.sql.gz', label: 'gzip:9' },
  ],
  [
    'plain',
    'gzip:1',
    18,
    { streamCompression: { method: 'gzip', level: 1 }, extension: '.sql.gz', label: 'gzip:1' },
  ],
  [
    'plain',
    'zstd',
    15,
    { streamCompression: { method: 'zstd', level: 3 }, extension: '.sql.zst', label: 'zstd:3' },
  ],
  [
    'plain',
    'zstd:12',
    15,
    { streamCompression: { method: 'zstd', level: 12 }, extension: '.sql.zst', label: 'zstd:12' },
  ],
  [
    'plain',
    'zstd:22',
    18,
    { streamCompression: { method: 'zstd', level: 22 }, extension: '.sql.zst', label: 'zstd:22' },
  ],
  // tar: never compressed
  ['tar', 'auto', 15, { extension: '.tar', label: 'none' }],
  ['tar', 'auto', 16, { extension: '.tar', label: 'none' }],
  ['tar', 'auto', 18, { extension: '.tar', label: 'none' }],
  ['tar', 'none', 15, { extension: '.tar', label: 'none' }],
  ['tar', 'none', 18, { extension: '.tar', label: 'none' }],
];

describe('planStages', () => {
  it.each(TABLE)('%s + %s with pg_dump %i', (format, raw, major, expected) => {
    if (typeof expected === 'string') {
      const error = thrown(() => planStages(format, compression(raw), major));
      expect(error).toBeInstanceOf(ActionError);
      expect(error.message).toContain(expected);
      expect(error.message).toContain(`'${raw.split(':')[0]}'`);
      expect(error.message).toContain(`client is ${major}`);
      return;
    }
    expect(planStages(format, compression(raw), major)).toEqual({ ...expected, encrypted: false });
  });

  it.each(TABLE.filter((row) => typeof row[3] !== 'string'))(
    '%s + %s with pg_dump %i adds .age when encrypted',
    (format, raw, major, expected) => {
      const plain = expected as Omit<StagePlan, 'encrypted'>;
      expect(planStages(format, compression(raw), major, true)).toEqual({
        ...plain,
        extension: `${plain.extension}.age`,
        encrypted: true,
      });
    },
  );

  it('never gives pg_dump a compression for plain or tar', () => {
    for (const format of ['plain', 'tar'] as const)
      for (const major of [15, 16, 18])
        expect(planStages(format, { method: 'auto' }, major).dumpCompress).toBeUndefined();
  });

  it('never compresses the stream for custom, directory or tar', () => {
    for (const format of ['custom', 'directory', 'tar'] as const)
      for (const major of [15, 16, 18])
        expect(planStages(format, { method: 'gzip' }, major).streamCompression).toBeUndefined();
  });
});

describe('resolveCompression', () => {
  it.each([
    ['custom', 15, { method: 'gzip', level: 6 }],
    ['custom', 16, { method: 'zstd', level: 3 }],
    ['plain', 14, { method: 'gzip', level: 6 }],
    ['plain', 18, { method: 'zstd', level: 3 }],
    ['directory', 17, { method: 'zstd', level: 3 }],
    ['tar', 18, { method: 'none' }],
    ['tar', 13, { method: 'none' }],
  ] as [DumpFormat, number, Compression][])(
    'auto for %s with %i is %j',
    (format, major, expected) => {
      expect(resolveCompression({ method: 'auto' }, format, major)).toEqual(expected);
    },
  );

  it('keeps an explicit choice as it is', () => {
    const explicit: Compression = { method: 'lz4', level: 2 };
    expect(resolveCompression(explicit, 'custom', 13)).toBe(explicit);
  });
});

describe('planStages over every format × accepted compression × client 15/16/18', () => {
  const FORMATS: DumpFormat[] = ['custom', 'directory', 'plain', 'tar'];
  const CHOICES = [
    'auto',
    'none',
    'gzip',
    'gzip:1',
    'gzip:9',
    'lz4',
    'lz4:12',
    'zstd',
    'zstd:1',
    'zstd:22',
  ];
  // what parseCompression lets through
  const accepted = (format: DumpFormat, raw: string) =>
    format === 'tar'
      ? raw === 'auto' || raw === 'none'
      : !(format === 'plain' && raw.startsWith('lz4'));

  /** The contract, written out independently: who compresses, with what, and the extension. */
  function expected(
    format: DumpFormat,
    raw: string,
    major: number,
  ): Omit<StagePlan, 'encrypted'> | 'error' {
    const [given = 'none', lvl] = raw.split(':');
    let method = given;
    let level = lvl === undefined ? undefined : Number(lvl);
    if (method === 'auto') {
      if (format === 'tar') method = 'none';
      else [method, level] = major >= 16 ? ['zstd', 3] : ['gzip', 6];
    }
    if (method === 'gzip') level ??= 6;
    if (method === 'zstd') level ??= 3;
    const label = method === 'none' ? 'none' : level === undefined ? method : `${method}:${level}`;
    if (format === 'tar') return { extension: '.tar', label: 'none' };
    if (format === 'plain') {
      if (method === 'none') return { extension: '.sql', label: 'none' };
      const m = method as 'gzip' | 'zstd';
      return {
        streamCompression: { method: m, level: level ?? 0 },
        extension: m === 'gzip' ? '.sql.gz' : '.sql.zst',
        label,
      };
    }
    const extension = format === 'custom' ? '.dump' : '.tar';
    if (method === 'none') return { dumpCompress: '0', extension, label };
    if (major >= 16) return { dumpCompress: label, extension, label };
    if (method !== 'gzip') return 'error';
    return { dumpCompress: String(level), extension, label };
  }

  const rows = FORMATS.flatMap((format) =>
    CHOICES.filter((raw) => accepted(format, raw)).flatMap((raw) =>
      [15, 16, 18].map((major) => [format, raw, major] as [DumpFormat, string, number]),
    ),
  );

  it('covers every accepted combination', () => {
    expect(rows).toHaveLength((10 + 10 + 8 + 2) * 3);
  });

  it.each(rows)('%s + %s with pg_dump %i', (format, raw, major) => {
    const want = expected(format, raw, major);
    if (want === 'error') {
      expect(() => planStages(format, compression(raw), major)).toThrow(ActionError);
      expect(major).toBe(15);
    } else {
      expect(planStages(format, compression(raw), major)).toEqual({ ...want, encrypted: false });
    }
  });
});
