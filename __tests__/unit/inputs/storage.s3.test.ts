import { describe, expect, it } from '@jest/globals';
import { InputError } from '../../../src/errors.js';
import { readBackupSettings } from '../../../src/inputs/backup.js';
import { readS3Settings } from '../../../src/inputs/storage.js';
import {
  DEFAULT_S3_SETTINGS,
  partSizeFor,
  regionFor,
  s3ClientConfig,
} from '../../../src/storage/s3-client.js';
import { maskRecorder, readerOf, thrown } from '../../helpers/unit-support.js';

const MiB = 1024 * 1024;

describe('readS3Settings', () => {
  it('reads the action.yml defaults', () => {
    expect(readS3Settings(readerOf({}))).toEqual({
      endpoint: undefined,
      region: undefined,
      forcePathStyle: false,
      storageClass: undefined,
      sse: undefined,
      kmsKeyId: undefined,
      checksum: 'auto',
    });
  });

  it('reads every input', () => {
    const read = readerOf({
      's3-endpoint': 'https://acc.r2.cloudflarestorage.com',
      's3-region': 'auto',
      's3-force-path-style': 'true',
      's3-storage-class': 'standard_ia',
      's3-sse': 'AWS:KMS',
      's3-kms-key-id': 'arn:aws:kms:eu-west-1:111122223333:key/abc',
      's3-checksum': 'WHEN-REQUIRED',
    });
    expect(readS3Settings(read)).toEqual({
      endpoint: 'https://acc.r2.cloudflarestorage.com',
      region: 'auto',
      forcePathStyle: true,
      storageClass: 'STANDARD_IA',
      sse: 'aws:kms',
      kmsKeyId: 'arn:aws:kms:eu-west-1:111122223333:key/abc',
      checksum: 'when-required',
    });
  });

  it.each([
    [{ 's3-sse': 'aes' }, "Input 's3-sse': 'aes' is not one of AES256, aws:kms (or empty)."],
    [{ 's3-kms-key-id': 'k' }, "Input 's3-kms-key-id': needs s3-sse: aws:kms"],
    [{ 's3-sse': 'AES256', 's3-kms-key-id': 'k' }, "Input 's3-kms-key-id': needs s3-sse"],
    [{ 's3-checksum': 'always' }, "Input 's3-checksum': 'always' is not one of auto"],
    [{ 's3-force-path-style': 'yes' }, "Input 's3-force-path-style': 'yes' is not a boolean"],
    [{ 's3-endpoint': 'minio:9000' }, "Input 's3-endpoint': 'minio:9000' is not an http(s) URL"],
    [{ 's3-endpoint': 'ftp://host' }, "Input 's3-endpoint': 'ftp://host' is not an http(s) URL"],
    [{ 's3-region': 'EU West' }, "Input 's3-region': 'EU West' is not a region"],
    [{ 's3-storage-class': 'cold storage' }, "Input 's3-storage-class': 'cold storage' is not"],
  ])('rejects %j', (given, message) => {
    const error = thrown(() => readS3Settings(readerOf(given)));
    expect(error).toBeInstanceOf(InputError);
    expect(error.message).toContain(message);
  });

  it('refuses credentials in the endpoint without repeating them', () => {
    const error = thrown(() =>
      readS3Settings(readerOf({ 's3-endpoint': 'https://key:s3cr3t@minio.example.com' })),
    );
    expect(error.message).toBe(
      "Input 's3-endpoint': must not contain credentials: use the AWS chain.",
    );
  });

  it('is part of the backup settings only when a storage line is s3://', () => {
    const read = (storage: string) =>
      readBackupSettings(
        readerOf({ 'database-url': 'postgresql://u@h/db', storage, 's3-region': 'eu-west-1' }),
        maskRecorder().mask,
        '/w',
      );
    expect(read('./backups').s3).toBeUndefined();
    expect(read('./backups\ns3://bucket/nightly/').s3).toMatchObject({ region: 'eu-west-1' });
    expect(() => read('./backups')).not.toThrow();
    expect(() =>
      readBackupSettings(
        readerOf({ 'database-url': 'postgresql://u@h/db', storage: './b', 's3-sse': 'x' }),
        maskRecorder().mask,
        '/w',
      ),
    ).toThrow(InputError);
  });
});

describe('partSizeFor', () => {
  it.each([
    [undefined, 8 * MiB],
    [0, 8 * MiB],
    [1_000_000, 8 * MiB],
    [36 * 1024 * MiB, 9 * MiB], // 36 GiB: 2 × 36 GiB / 9000 = 8.2 MiB, rounded up
    [100 * 1024 * MiB, 23 * MiB],
    [1024 * 1024 * MiB, 234 * MiB], // 1 TiB
    [50 * 1024 * 1024 * MiB, 5 * 1024 * MiB], // capped at 5 GiB
  ])('sizeHint %p → %p bytes', (hint, size) => {
    expect(partSizeFor(hint)).toBe(size);
  });

  it('keeps twice the hint within 10,000 parts', () => {
    for (const hint of [1e9, 5e10, 3e11, 2e12, 4e12]) {
      const size = partSizeFor(hint);
      expect(size % MiB).toBe(0);
      expect(Math.ceil((2 * hint) / size)).toBeLessThanOrEqual(10_000);
    }
  });
});

describe('s3ClientConfig', () => {
  const custom = { ...DEFAULT_S3_SETTINGS, endpoint: 'http://127.0.0.1:9000' };

  it('uses WHEN_REQUIRED checksums and us-east-1 for a custom endpoint on auto', () => {
    expect(s3ClientConfig({ ...custom, forcePathStyle: true }, {})).toMatchObject({
      region: 'us-east-1',
      endpoint: 'http://127.0.0.1:9000',
      forcePathStyle: true,
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      retryMode: 'standard',
      maxAttempts: 5,
    });
  });

  it('uses WHEN_SUPPORTED on AWS and leaves the region to the AWS chain when none is set', () => {
    const config = s3ClientConfig(DEFAULT_S3_SETTINGS, {});
    expect(config).toMatchObject({ requestChecksumCalculation: 'WHEN_SUPPORTED' });
    expect(config.region).toBeUndefined();
    expect(config).not.toHaveProperty('credentials');
  });

  it('honours an explicit s3-checksum', () => {
    const supported = { ...custom, checksum: 'when-supported' as const };
    expect(s3ClientConfig(supported, {}).requestChecksumCalculation).toBe('WHEN_SUPPORTED');
    const required = { ...DEFAULT_S3_SETTINGS, checksum: 'when-required' as const };
    expect(s3ClientConfig(required, {}).responseChecksumValidation).toBe('WHEN_REQUIRED');
  });

  it('takes the region from s3-region, then AWS_REGION, then AWS_DEFAULT_REGION', () => {
    const env = { AWS_REGION: 'eu-west-1', AWS_DEFAULT_REGION: 'eu-west-2' };
    expect(regionFor({ ...custom, region: 'auto' }, env)).toBe('auto');
    expect(regionFor(custom, env)).toBe('eu-west-1');
    expect(regionFor(DEFAULT_S3_SETTINGS, { AWS_DEFAULT_REGION: 'eu-west-2' })).toBe('eu-west-2');
  });
});
