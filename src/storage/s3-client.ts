import { S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import type { S3Settings } from '../settings.js';

const MiB = 1024 * 1024;
/** Smallest part size used (S3's own floor is 5 MiB). */
export const MIN_PART_SIZE = 8 * MiB;
/** S3's largest part. */
export const MAX_PART_SIZE = 5 * 1024 * MiB;

export { DEFAULT_S3_SETTINGS } from './s3-names.js';

/**
 * The part size for an object of at most about `sizeHint` bytes: twice the hint fits in 9,000 parts
 * (S3 allows 10,000), at least 8 MiB, a whole number of MiB, at most 5 GiB.
 */
export function partSizeFor(sizeHint = 0): number {
  const wanted = Math.max(MIN_PART_SIZE, Math.ceil((2 * sizeHint) / 9000));
  return Math.min(MAX_PART_SIZE, Math.ceil(wanted / MiB) * MiB);
}

/** The region used: s3-region, else AWS_REGION / AWS_DEFAULT_REGION, else us-east-1 with an endpoint. */
export function regionFor(settings: S3Settings, env: NodeJS.ProcessEnv): string | undefined {
  const region = settings.region || env.AWS_REGION || env.AWS_DEFAULT_REGION;
  return region || (settings.endpoint ? 'us-east-1' : undefined);
}

/** The SDK client configuration; credentials are left to the default AWS provider chain. */
export function s3ClientConfig(settings: S3Settings, env: NodeJS.ProcessEnv): S3ClientConfig {
  const checksum = checksumMode(settings);
  return {
    region: regionFor(settings, env),
    endpoint: settings.endpoint,
    forcePathStyle: settings.forcePathStyle,
    requestChecksumCalculation: checksum,
    responseChecksumValidation: checksum,
    retryMode: 'standard',
    maxAttempts: 5,
    // No request timeout: a restore may pause reading a download for minutes.
    requestHandler: { connectionTimeout: 10_000 },
  };
}

function checksumMode(settings: S3Settings): 'WHEN_REQUIRED' | 'WHEN_SUPPORTED' {
  if (settings.checksum === 'when-required') return 'WHEN_REQUIRED';
  if (settings.checksum === 'when-supported') return 'WHEN_SUPPORTED';
  // Newer SDKs' default CRC32 headers break R2, B2 and older MinIO.
  return settings.endpoint ? 'WHEN_REQUIRED' : 'WHEN_SUPPORTED';
}

const commands = new WeakMap<object, string>();

/** The SDK command (e.g. `UploadPart`) whose request failed with this error, when known. */
export function commandOf(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null ? commands.get(error) : undefined;
}

/** A client that remembers which command an error came from and copes with If-None-Match. */
export function createS3Client(config: S3ClientConfig): S3Client {
  const client = new S3Client(config);
  client.middlewareStack.add(
    (next, context) => async (args) => {
      try {
        return await next(args);
      } catch (error) {
        if (typeof error === 'object' && error !== null && !commands.has(error))
          commands.set(error, context.commandName?.replace(/Command$/, '') ?? 'request');
        throw error;
      }
    },
    { step: 'initialize', name: 'rememberFailedCommand' },
  );
  addConditionalWriteFallback(client);
  return client;
}

/**
 * Conditional writes (`If-None-Match: *`) are honoured by AWS S3 and most compatible services; a
 * service that rejects the header as not implemented (501) gets the request again without it, and
 * never again with it. Overwrites are then prevented by the store's check before each write only.
 * A build-step middleware runs before retries and signing, so the request is signed anew.
 */
function addConditionalWriteFallback(client: S3Client): void {
  let unsupported = false;
  client.middlewareStack.add(
    (next) => async (args) => {
      const headers = headersOf(args.request);
      if (!headers?.['if-none-match']) return next(args);
      if (unsupported) return next(dropIfNoneMatch(args, headers));
      try {
        return await next(args);
      } catch (error) {
        if (!isNotImplemented(error)) throw error;
        unsupported = true;
        return next(dropIfNoneMatch(args, headers));
      }
    },
    { step: 'build', name: 'conditionalWriteFallback', priority: 'low' },
  );
}

function headersOf(request: unknown): Record<string, string> | undefined {
  if (typeof request !== 'object' || request === null || !('headers' in request)) return undefined;
  return request.headers as Record<string, string>;
}

/** The unsigned request of the build step is ours to change; the body is a buffer or a string. */
function dropIfNoneMatch<T>(args: T, headers: Record<string, string>): T {
  delete headers['if-none-match'];
  return args;
}

function isNotImplemented(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const e = error as { name?: string; $metadata?: { httpStatusCode?: number } };
  return e.name === 'NotImplemented' || e.$metadata?.httpStatusCode === 501;
}
