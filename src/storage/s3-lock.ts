import type { PutObjectCommandInput } from '@aws-sdk/client-s3';

/** An object's S3 Object Lock retention: the mode and the time until which it cannot be deleted. */
export interface Retention {
  mode: 'GOVERNANCE' | 'COMPLIANCE';
  /** ISO-8601. */
  retainUntil: string;
}

/** Which retention each object gets (none: undefined); the catalog knows which objects are a backup's. */
export type RetentionOf = (fileName: string) => Retention | undefined;

/**
 * The Object Lock parameters of an upload: mode and retain-until, and a CRC32 checksum, which S3
 * requires on uploads with a retention period (it accepts Content-MD5 or an
 * x-amz-sdk-checksum-algorithm header; the SDK sends the latter). Empty without a retention.
 */
export function retentionParams(
  retention: Retention | undefined,
): Pick<
  PutObjectCommandInput,
  'ObjectLockMode' | 'ObjectLockRetainUntilDate' | 'ChecksumAlgorithm'
> {
  if (!retention) return {};
  return {
    ObjectLockMode: retention.mode,
    ObjectLockRetainUntilDate: new Date(retention.retainUntil),
    ChecksumAlgorithm: 'CRC32',
  };
}
