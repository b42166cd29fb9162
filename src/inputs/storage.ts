import { InputError } from '../errors.js';
import { INPUTS, oneOf, parseBool, type Mask, type Read } from './read.js';
import type { ArtifactSettings, S3Settings, StorageLocation } from '../settings.js';

/** The settings the storage locations need: s3-* when a line is s3://, artifact-* when artifact://. */
export function readStoreOptions(
  read: Read,
  mask: Mask,
  locations: StorageLocation[],
): { s3?: S3Settings; artifact?: ArtifactSettings } {
  const s3 = readS3Settings(read);
  const artifact = readArtifactSettings(read, mask);
  return {
    ...(locations.some((l) => l.kind === 's3') ? { s3 } : {}),
    ...(locations.some((l) => l.kind === 'artifact') ? { artifact } : {}),
  };
}

/** The artifact-* inputs and github-token; the token is masked as soon as it is read. */
export function readArtifactSettings(read: Read, mask: Mask): ArtifactSettings {
  const token = read(INPUTS.githubToken);
  if (token) mask(token);
  const runId = readDigits(INPUTS.artifactRunId, read(INPUTS.artifactRunId));
  if (runId === 0)
    throw new InputError(INPUTS.artifactRunId, `'0' is not a run id: copy it from the run's URL.`);
  const repository = read(INPUTS.artifactRepository) || undefined;
  if (repository !== undefined && !/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/.test(repository)) {
    throw new InputError(
      INPUTS.artifactRepository,
      `'${repository}' is not a repository: use owner/name, e.g. octo-org/app.`,
    );
  }
  if (repository !== undefined && runId === undefined) {
    throw new InputError(
      INPUTS.artifactRepository,
      'needs artifact-run-id: the run of that repository whose artifacts hold the backup.',
    );
  }
  const retentionDays = readDigits(
    INPUTS.artifactRetentionDays,
    read(INPUTS.artifactRetentionDays),
  );
  if (retentionDays !== undefined && (retentionDays < 1 || retentionDays > 90)) {
    throw new InputError(
      INPUTS.artifactRetentionDays,
      `'${retentionDays}' is out of range: use a number of days from 1 to 90.`,
    );
  }
  return { retentionDays, runId, repository, token: token || undefined };
}

function readDigits(input: string, raw: string): number | undefined {
  if (!raw) return undefined;
  if (!/^\d+$/.test(raw) || !Number.isSafeInteger(Number(raw)))
    throw new InputError(input, `'${raw}' is not a whole number: use digits only, e.g. 42.`);
  return Number(raw);
}

const SSE_MODES = ['AES256', 'aws:kms'] as const;
const CHECKSUM_MODES = ['auto', 'when-required', 'when-supported'] as const;

/** The s3-* inputs, validated (they hold no secret: credentials come from the AWS chain). */
export function readS3Settings(read: Read): S3Settings {
  const sse = readSse(read(INPUTS.s3Sse));
  const kmsKeyId = read(INPUTS.s3KmsKeyId) || undefined;
  if (kmsKeyId && sse !== 'aws:kms')
    throw new InputError(
      INPUTS.s3KmsKeyId,
      'needs s3-sse: aws:kms (the key is for that encryption).',
    );
  return {
    endpoint: readEndpoint(read(INPUTS.s3Endpoint)),
    region: readRegion(read(INPUTS.s3Region)),
    forcePathStyle: parseBool(INPUTS.s3ForcePathStyle, read(INPUTS.s3ForcePathStyle)),
    storageClass: readStorageClass(read(INPUTS.s3StorageClass)),
    sse,
    kmsKeyId,
    checksum: oneOf(INPUTS.s3Checksum, read(INPUTS.s3Checksum), CHECKSUM_MODES),
  };
}

function readSse(raw: string): S3Settings['sse'] {
  if (!raw) return undefined;
  const mode = SSE_MODES.find((m) => m.toLowerCase() === raw.toLowerCase());
  if (mode) return mode;
  throw new InputError(INPUTS.s3Sse, `'${raw}' is not one of AES256, aws:kms (or empty).`);
}

function readEndpoint(raw: string): string | undefined {
  if (!raw) return undefined;
  // Checked before parsing: an `@` after a `#` or `?` hides credentials from the URL parser.
  if (raw.includes('@'))
    throw new InputError(INPUTS.s3Endpoint, 'must not contain credentials: use the AWS chain.');
  const url = URL.parse(raw);
  if (url?.username || url?.password)
    throw new InputError(INPUTS.s3Endpoint, 'must not contain credentials: use the AWS chain.');
  if (url?.protocol === 'http:' || url?.protocol === 'https:') return raw;
  throw new InputError(
    INPUTS.s3Endpoint,
    `'${raw}' is not an http(s) URL: use e.g. https://ACCOUNT.r2.cloudflarestorage.com.`,
  );
}

function readRegion(raw: string): string | undefined {
  if (!raw) return undefined;
  if (/^[a-z0-9][a-z0-9-]{0,40}$/.test(raw)) return raw;
  throw new InputError(
    INPUTS.s3Region,
    `'${raw}' is not a region: use e.g. eu-central-1 (auto for R2).`,
  );
}

function readStorageClass(raw: string): string | undefined {
  if (!raw) return undefined;
  if (/^[a-z][a-z0-9_]*$/i.test(raw)) return raw.toUpperCase();
  throw new InputError(
    INPUTS.s3StorageClass,
    `'${raw}' is not a storage class: use e.g. STANDARD_IA or INTELLIGENT_TIERING.`,
  );
}
