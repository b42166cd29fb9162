// Properties of the s3-*, artifact-* and github-token readers.
import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import {
  readArtifactSettings,
  readS3Settings,
  readStoreOptions,
} from '../../../src/inputs/storage.js';
import type { StorageLocation } from '../../../src/settings.js';
import {
  attempt,
  expectStrictInputError,
  hostileString,
  password,
  readerKind,
  readerOf,
  recordingMask,
  RUNS,
  secretParts,
  valueFor,
} from '../../helpers/hostile-values.js';

/** Each s3-* input with values around its valid ones. */
const S3_VALUES: Record<string, string[]> = {
  's3-endpoint': ['https://r2.example.com', 'http://localhost:9000', 'ftp://x', 'https://'],
  's3-region': ['eu-central-1', 'auto', 'us-east-1'],
  's3-force-path-style': ['true', 'false'],
  's3-storage-class': ['STANDARD_IA', 'glacier', 'INTELLIGENT_TIERING'],
  's3-sse': ['AES256', 'aws:kms'],
  's3-kms-key-id': ['arn:aws:kms:eu-central-1:1:key/abc'],
  's3-checksum': ['auto', 'when-required', 'when-supported'],
};
const s3Input = fc.constantFrom(...Object.keys(S3_VALUES));

describe('readS3Settings', () => {
  it('gives checked settings, or an InputError naming the input, for any value of one input', () => {
    const input = s3Input.chain((name) =>
      fc.tuple(fc.constant(name), valueFor(S3_VALUES[name] ?? [])),
    );
    fc.assert(
      fc.property(readerKind, input, fc.boolean(), (kind, [name, raw], kms) => {
        const given = { [name]: raw, ...(kms && name !== 's3-sse' ? { 's3-sse': 'aws:kms' } : {}) };
        const result = attempt(() => readS3Settings(readerOf(kind, given)));
        if (!result.ok) {
          expectStrictInputError(result.error, { inputs: [name], values: [raw] });
          return;
        }
        const s = result.value;
        if (s.endpoint !== undefined)
          expect(['http:', 'https:']).toContain(new URL(s.endpoint).protocol);
        if (s.region !== undefined) expect(s.region).toMatch(/^[a-z0-9][a-z0-9-]{0,40}$/);
        if (s.storageClass !== undefined) expect(s.storageClass).toMatch(/^[A-Z][A-Z0-9_]*$/);
        expect([undefined, 'AES256', 'aws:kms']).toContain(s.sse);
        if (s.kmsKeyId !== undefined) expect(s.sse).toBe('aws:kms');
        expect(['auto', 'when-required', 'when-supported']).toContain(s.checksum);
        expect(typeof s.forcePathStyle).toBe('boolean');
      }),
      RUNS,
    );
  });

  // BUG (kept failing on purpose): credentials in s3-endpoint are refused without being echoed only
  // when the URL parses; an endpoint that does not parse is echoed whole, credentials included.
  it('never shows credentials written into s3-endpoint', () => {
    const host = fc.oneof(
      fc.constantFrom('r2.example.com', 'host:9000', '', '[::1', 'a b'),
      hostileString,
    );
    fc.assert(
      fc.property(password, host, (secret, where) => {
        const raw = `https://AKIAEXAMPLE:${secret}@${where}`;
        const result = attempt(() => readS3Settings(readerOf('defaults', { 's3-endpoint': raw })));
        expect(result.ok).toBe(false);
        if (!result.ok) {
          expectStrictInputError(result.error, {
            inputs: ['s3-endpoint'],
            secrets: secretParts(secret),
          });
        }
      }),
      { ...RUNS, examples: [['Pw7KqZr4Vm', '']] },
    );
  });
});

const ARTIFACT_VALUES: Record<string, string[]> = {
  'artifact-run-id': ['123', '0', '9007199254740993', '-1', '1.5'],
  'artifact-repository': ['octo-org/app', 'a/b/c', 'owner', '/x'],
  'artifact-retention-days': ['1', '90', '91', '0', '007'],
};

describe('readArtifactSettings', () => {
  it('gives checked settings, or an InputError naming an artifact input, never showing the token', () => {
    const values = fc.record(
      {
        'artifact-run-id': valueFor(ARTIFACT_VALUES['artifact-run-id'] ?? []),
        'artifact-repository': valueFor(ARTIFACT_VALUES['artifact-repository'] ?? []),
        'artifact-retention-days': valueFor(ARTIFACT_VALUES['artifact-retention-days'] ?? []),
        'github-token': fc.oneof(password, hostileString),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(readerKind, values, (kind, given) => {
        const { mask, masked } = recordingMask();
        const read = readerOf(kind, given);
        const result = attempt(() => readArtifactSettings(read, mask));
        const token = read('github-token');
        if (token) expect(masked[0]).toBe(token);
        if (!result.ok) {
          expectStrictInputError(result.error, {
            inputs: Object.keys(ARTIFACT_VALUES),
            values: Object.keys(ARTIFACT_VALUES).map((name) => read(name)),
            secrets: secretParts(token),
          });
          return;
        }
        const s = result.value;
        expect(s.token).toBe(token || undefined);
        if (s.runId !== undefined) expect(Number.isSafeInteger(s.runId) && s.runId > 0).toBe(true);
        if (s.repository !== undefined) {
          expect(s.repository).toMatch(/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/);
          expect(s.runId).toBeDefined();
        }
        if (s.retentionDays !== undefined) {
          expect(s.retentionDays >= 1 && s.retentionDays <= 90).toBe(true);
        }
      }),
      RUNS,
    );
  });
});

const location: fc.Arbitrary<StorageLocation> = fc.oneof(
  fc.constant<StorageLocation>({ kind: 'local', directory: '/b' }),
  fc.constant<StorageLocation>({ kind: 's3', bucket: 'bucket', prefix: '' }),
  fc.constant<StorageLocation>({ kind: 'artifact', name: '' }),
);

describe('readStoreOptions', () => {
  it('has s3 settings exactly with an s3 location and artifact settings exactly with an artifact one', () => {
    fc.assert(
      fc.property(fc.array(location, { maxLength: 4 }), (locations) => {
        const { mask } = recordingMask();
        const options = readStoreOptions(readerOf('defaults', {}), mask, locations);
        expect(options.s3 !== undefined).toBe(locations.some((l) => l.kind === 's3'));
        expect(options.artifact !== undefined).toBe(locations.some((l) => l.kind === 'artifact'));
      }),
      RUNS,
    );
  });
});
