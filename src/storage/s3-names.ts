import type { S3Settings } from '../settings.js';

/** Where an S3 store lives. */
export interface S3Location {
  /** Bucket name. */
  bucket: string;
  /** Key prefix, '' or ending in '/'. */
  prefix: string;
}

/** The s3-* inputs' defaults: AWS S3, virtual-hosted style, checksums as the service wants. */
export const DEFAULT_S3_SETTINGS: S3Settings = { forcePathStyle: false, checksum: 'auto' };

/** `s3://bucket/prefix` and, with a file name, the object's location; needs no SDK. */
export function s3Url(location: S3Location, fileName = ''): string {
  return `s3://${location.bucket}/${location.prefix}${fileName}`;
}
