// Properties of the whole readers of backup and restore: one input at a time gets any value, the
// others stay valid; the reader returns settings or throws an InputError, and secrets are masked
// the moment they are read and never shown.
import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { generateX25519Identity } from 'age-encryption';
import { readBackupSettings } from '../../../src/inputs/backup.js';
import { INPUTS, type Read } from '../../../src/inputs/read.js';
import { parseBackupChoice, readRestoreSettings } from '../../../src/inputs/restore.js';
import { ID_PATTERN } from '../../../src/catalog/naming.js';
import {
  attempt,
  expectInputError,
  expectStrictInputError,
  hostileString,
  readerKind,
  readerOf,
  recordingMask,
  RUNS,
  valueFor,
  watchedReader,
  type ReaderKind,
} from '../../helpers/hostile-values.js';

const CWD = '/work/project';
const PASSWORD = 'Pw7Kq-p@ss:w/rd#%?-Zr4Vm';
const URL = `postgresql://app:${encodeURIComponent(PASSWORD)}@db.example.com:6543/shop`;
const PASSPHRASE = 'Pw7Kq correct horse battery Zr4Vm';
const TOKEN = 'ghs_Pw7KqTOKENZr4Vm';
const IDENTITY = await generateX25519Identity();
const SECRET_INPUTS: string[] = [
  INPUTS.databaseUrl,
  INPUTS.targetDatabaseUrl,
  INPUTS.agePassphrase,
  INPUTS.ageIdentity,
  INPUTS.githubToken,
];
const SECRETS = [
  PASSWORD,
  encodeURIComponent(PASSWORD),
  PASSPHRASE,
  TOKEN,
  IDENTITY,
  'Pw7Kq',
  'Zr4Vm',
];

/** Inputs whose errors may name another input (the combination they break). */
const RELATED: Record<string, string[]> = {
  [INPUTS.schemaOnly]: [INPUTS.dataOnly],
  [INPUTS.overwrite]: [INPUTS.confirm, INPUTS.dataOnly, INPUTS.jobs],
  [INPUTS.format]: [INPUTS.jobs, INPUTS.compression],
  [INPUTS.s3Sse]: [INPUTS.s3KmsKeyId],
  [INPUTS.artifactRunId]: [INPUTS.artifactRepository],
  [INPUTS.verify]: [INPUTS.extraArgs],
};

/** A few values around what each input accepts; any input also gets any hostile value. */
const NEAR: Record<string, string[]> = {
  storage: ['./backups', 's3://bucket/p/', 'artifact://', 'file:///tmp/x'],
  format: ['custom', 'plain', 'directory', 'tar'],
  compression: ['auto', 'none', 'gzip:9', 'lz4:12', 'zstd:22', 'zstd:23'],
  jobs: ['1', '4', '64'],
  'lock-wait-timeout': ['30s', '5min', '1000'],
  labels: ['team=db', 'a=b\nc=d', '=x'],
  'extra-args': ['--no-comments', '--inserts', "-x '--a b'"],
  backup: ['latest', 'shop-20261122T020000Z', '2026-11-22T02:00:00Z', '2026-02-30'],
  'age-recipients': ['age1qqqq'],
  overwrite: ['true'],
  confirm: ['shop'],
};

/** Any input of `command`, and a value for it. */
function oneInput(names: string[]): fc.Arbitrary<[string, string]> {
  return fc
    .constantFrom(...names)
    .chain((name) => fc.tuple(fc.constant(name), valueFor(NEAR[name] ?? ['true', 'false', ''])));
}

/** Reads settings with one varied input, checking every read for unmasked secrets. */
function readWith(
  kind: ReaderKind,
  given: Record<string, string>,
  reader: (read: Read, mask: (s: string) => void, cwd: string) => unknown,
) {
  const { mask, masked } = recordingMask();
  const { read, check } = watchedReader(readerOf(kind, given), masked, SECRET_INPUTS);
  const result = attempt(() => reader(read, mask, CWD));
  check();
  return { result, masked };
}

/** The secret values of `base` that must be masked when `varied` was given another value. */
function secretsOf(base: Record<string, string>, varied: string): string[] {
  const kept = Object.entries(base).filter(([n]) => n !== varied && SECRET_INPUTS.includes(n));
  return kept.flatMap(([, v]) => (v === URL ? [URL, PASSWORD] : [v]));
}

function expectOutcome(result: ReturnType<typeof attempt>, name: string, raw: string): void {
  if (result.ok) return;
  expectInputError(result.error, {
    inputs: [name, ...(RELATED[name] ?? [])],
    values: [raw],
    secrets: SECRETS.filter((s) => !raw.includes(s)),
  });
}

describe('readBackupSettings', () => {
  const base = {
    'database-url': URL,
    storage: './backups\ns3://bucket/p/\nartifact://',
    'age-passphrase': PASSPHRASE,
    'github-token': TOKEN,
  };
  const names = Object.values(INPUTS);

  it('returns settings or an InputError naming the input, for any value of any one input', () => {
    fc.assert(
      fc.property(readerKind, oneInput(names), (kind, [name, raw]) => {
        const { result, masked } = readWith(kind, { ...base, [name]: raw }, readBackupSettings);
        expectOutcome(result, name, raw);
        if (result.ok) expect(masked).toEqual(expect.arrayContaining(secretsOf(base, name)));
      }),
      RUNS,
    );
  });

  it('masks the database URL and its password before any error', () => {
    fc.assert(
      fc.property(readerKind, oneInput(names), (kind, [name, raw]) => {
        const { masked } = readWith(kind, { ...base, [name]: raw }, readBackupSettings);
        if (name !== 'database-url') expect(masked).toContain(URL);
      }),
      RUNS,
    );
  });
});

describe('readRestoreSettings', () => {
  const base = {
    'target-database-url': URL,
    storage: 's3://bucket/p/',
    'age-identity': IDENTITY,
    'age-passphrase': PASSPHRASE,
    'github-token': TOKEN,
  };
  const names = Object.values(INPUTS);

  it('returns settings or an InputError naming the input, for any value of any one input', () => {
    fc.assert(
      fc.property(readerKind, oneInput(names), (kind, [name, raw]) => {
        const { result, masked } = readWith(kind, { ...base, [name]: raw }, readRestoreSettings);
        expectOutcome(result, name, raw);
        if (result.ok) expect(masked).toEqual(expect.arrayContaining(secretsOf(base, name)));
      }),
      RUNS,
    );
  });
});

describe('parseBackupChoice', () => {
  it('is latest, a backup id or a real time, or an InputError naming backup', () => {
    const choice = valueFor([
      'latest',
      'shop-20261122T020000Z',
      'shop-20261122T020000Z-2',
      '2026-11-22',
      '2026-11-22T02:00:00Z',
      '2026-11-22 02:00:00+01:00',
      '2026-02-30',
      '2026-11-22T25:00',
    ]);
    fc.assert(
      fc.property(fc.oneof(choice, hostileString), (raw) => {
        const result = attempt(() => parseBackupChoice(raw));
        if (!result.ok)
          return expectStrictInputError(result.error, { inputs: ['backup'], values: [raw] });
        const value = result.value;
        if (value.kind === 'latest') expect(raw.trim() || 'latest').toBe('latest');
        else if (value.kind === 'id') expect(value.id).toMatch(ID_PATTERN);
        else expect(Number.isNaN(value.at.getTime())).toBe(false);
      }),
      RUNS,
    );
  });
});
