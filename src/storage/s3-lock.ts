import type { PutObjectCommandInput } from '@aws-sdk/client-s3';
import { lockOfFile } from '../catalog/lock.js';
import type { ObjectLock } from '../settings.js';

/**
 * The Object Lock parameters of an upload: mode and retain-until for every object of a backup (not
 * for claims), and a CRC32 checksum, which S3 requires on uploads with a retention period (it
 * accepts Content-MD5 or an x-amz-sdk-checksum-algorithm header; the SDK sends the latter). Empty
 * without Object Lock.
 */
export function lockParams(
  fileName: string,
  lock: ObjectLock | undefined,
): Pick<
  PutObjectCommandInput,
  'ObjectLockMode' | 'ObjectLockRetainUntilDate' | 'ChecksumAlgorithm'
> {
  const locked = lockOfFile(fileName, lock);
  if (!locked) return {};
  return {
    ObjectLockMode: locked.mode,
    ObjectLockRetainUntilDate: new Date(locked.retainUntil),
    ChecksumAlgorithm: 'CRC32',
  };
}
