import { ActionError, describeError } from '../errors.js';
import { commandOf } from './s3-client.js';

/** Where a failed S3 request went, for the message. */
export interface S3Place {
  /** `s3://bucket/key` (or the prefix) the request was about. */
  target: string;
  /** The bucket. */
  bucket: string;
  /** The custom endpoint, if any. */
  endpoint?: string;
  /** The region the client used, when known. */
  region?: string;
}

/** The IAM action each SDK command needs. */
const PERMISSIONS: Record<string, string> = {
  PutObject: 's3:PutObject',
  CreateMultipartUpload: 's3:PutObject',
  UploadPart: 's3:PutObject',
  CompleteMultipartUpload: 's3:PutObject',
  AbortMultipartUpload: 's3:AbortMultipartUpload',
  ListObjectsV2: 's3:ListBucket',
  GetObject: 's3:GetObject',
  HeadObject: 's3:GetObject',
  DeleteObject: 's3:DeleteObject',
  DeleteObjects: 's3:DeleteObject',
};

const UNREACHABLE = ['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH'];
const CONNECTION_LOST = ['ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'TimeoutError'];
const BAD_CREDENTIALS = ['InvalidAccessKeyId', 'SignatureDoesNotMatch', 'ExpiredToken'];
const WRONG_REGION = [
  'PermanentRedirect',
  'AuthorizationHeaderMalformed',
  'IllegalLocationConstraintException',
];

interface ErrorFields {
  name: string;
  code: string;
  status?: number;
  message: string;
  command?: string;
}

/** One line for the user saying what failed and what to do; never contains a secret. */
export function s3Failure(error: unknown, place: S3Place): ActionError {
  if (error instanceof ActionError) return error;
  const e = fieldsOf(error);
  const message = messageFor(e, error, place);
  return new ActionError(message.replace(/\s*\n\s*/g, ' '), { cause: error });
}

function messageFor(e: ErrorFields, error: unknown, place: S3Place): string {
  const where = place.endpoint ?? `AWS S3${place.region ? ` (${place.region})` : ''}`;
  if (e.name === 'CredentialsProviderError' || /Could not load credentials/i.test(e.message))
    return `No AWS credentials for ${place.target}: add aws-actions/configure-aws-credentials before this step (OIDC role), or set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY.`;
  if (/Region is missing/i.test(e.message))
    return `No AWS region for ${place.target}: set s3-region, or AWS_REGION (configure-aws-credentials sets it).`;
  if (UNREACHABLE.includes(e.code))
    return `Cannot reach the S3 endpoint ${where} (${e.code}): check s3-endpoint and that the runner can reach it.`;
  if (CONNECTION_LOST.includes(e.code) || /socket hang up/i.test(e.message))
    return `Lost the connection to ${where} (${e.code || e.message}) while writing or reading ${place.target}: run again; if it persists, check the network or the service's status.`;
  return serviceMessage(e, error, place);
}

function serviceMessage(e: ErrorFields, error: unknown, place: S3Place): string {
  const permission = PERMISSIONS[e.command ?? ''] ?? 'the S3 permission for this request';
  if (e.name === 'NoSuchBucket')
    return `S3 bucket '${place.bucket}' does not exist${place.endpoint ? ` at ${place.endpoint}` : ''}: create it, or fix the bucket in storage.`;
  if (WRONG_REGION.includes(e.name) || e.status === 301)
    return wrongRegion(regionIn(error, e), place);
  if (BAD_CREDENTIALS.includes(e.name))
    return `S3 rejected the AWS credentials (${e.name}): check AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, or the role that configure-aws-credentials assumes.`;
  if (e.name === 'AccessDenied' || e.name === 'Forbidden' || e.status === 403)
    return `Access denied: the AWS credentials lack ${permission} on ${place.target}: grant it in the IAM policy (the README lists the minimal one)${permission === 's3:PutObject' ? '; with s3-sse aws:kms also kms:GenerateDataKey and kms:Decrypt on the key' : ''}.`;
  if (isPreconditionFailure(error))
    return `${place.target} already exists; a backup is never overwritten. Run again to get a new id.`;
  if (e.name === 'NoSuchKey' || (e.status === 404 && e.command !== 'ListObjectsV2'))
    return `${place.target} does not exist.`;
  const op = e.command ? ` (${e.command})` : '';
  if (e.status !== undefined && e.status >= 500)
    return `S3 request${op} for ${place.target} failed with ${e.status} ${e.name} (retried): run again; if it persists, check the service's status.`;
  return `S3 request${op} for ${place.target} failed: ${e.name}: ${e.message}`;
}

/** Whether S3 refused a conditional write (`If-None-Match: *`) because the key exists. */
export function isPreconditionFailure(error: unknown): boolean {
  const e = fieldsOf(error);
  return (
    e.name === 'PreconditionFailed' || e.name === 'ConditionalRequestConflict' || e.status === 412
  );
}

function wrongRegion(region: string | undefined, place: S3Place): string {
  const used = place.region ? `, not ${place.region}` : '';
  if (region)
    return `S3 bucket '${place.bucket}' is in region ${region}${used}: set s3-region: ${region}.`;
  return `S3 bucket '${place.bucket}' is in another region${used}: set s3-region to the bucket's region.`;
}

/** The bucket's region, from the error body (Region, Endpoint), the header or the message. */
function regionIn(error: unknown, e: ErrorFields): string | undefined {
  const x = error as {
    Region?: unknown;
    Endpoint?: unknown;
    $response?: { headers?: Record<string, string | undefined> };
  };
  if (typeof x.Region === 'string' && x.Region) return x.Region;
  const header = x.$response?.headers?.['x-amz-bucket-region'];
  if (header) return header;
  const endpoint = typeof x.Endpoint === 'string' ? x.Endpoint : '';
  const fromHost = /s3[.-]([a-z0-9-]+)\.amazonaws\.com/.exec(endpoint)?.[1];
  if (fromHost && fromHost !== 'external-1') return fromHost;
  return /expecting '([a-z0-9-]+)'/.exec(e.message)?.[1];
}

function fieldsOf(error: unknown): ErrorFields {
  const x = (typeof error === 'object' && error !== null ? error : {}) as {
    name?: unknown;
    code?: unknown;
    $metadata?: { httpStatusCode?: number };
  };
  return {
    name: typeof x.name === 'string' ? x.name : 'Error',
    code: typeof x.code === 'string' ? x.code : codeIn(describeError(error), x.name),
    status: x.$metadata?.httpStatusCode,
    message: describeError(error),
    command: commandOf(error),
  };
}

/** A network error code from the message: the SDK wraps errors it cannot recognise (other realms). */
function codeIn(message: string, name: unknown): string {
  const code = [...UNREACHABLE, ...CONNECTION_LOST].find((c) => message.includes(c));
  return code ?? (name === 'TimeoutError' ? 'TimeoutError' : '');
}
