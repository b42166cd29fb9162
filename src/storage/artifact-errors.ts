import { ActionError, InputError, describeError } from '../errors.js';
import { INPUTS } from '../input-names.js';

/** The one line a run without the artifact runtime fails with. */
export const NO_ARTIFACT_RUNTIME =
  'artifact:// needs the GitHub Actions artifact runtime, which this run does not have: set `storage` to a directory or s3://…';

/** Characters @actions/artifact refuses in an artifact name (NTFS limits, plus path separators). */
const FORBIDDEN = ['"', ':', '<', '>', '|', '*', '?', '\r', '\n', '\\', '/'];

/** Whether the job has the artifact runtime (the runner sets both for every JavaScript action). */
export function hasArtifactRuntime(env: NodeJS.ProcessEnv): boolean {
  return Boolean(env.ACTIONS_RUNTIME_TOKEN && env.ACTIONS_RESULTS_URL);
}

/** Throws unless the artifact client can work here (it refuses GitHub Enterprise Server). */
export function checkArtifactHost(env: NodeJS.ProcessEnv): void {
  const host = new URL(env.GITHUB_SERVER_URL || 'https://github.com').hostname.toLowerCase();
  if (host === 'github.com' || host.endsWith('.ghe.com') || host.endsWith('.localhost')) return;
  throw new ActionError(
    `artifact:// is not supported on GitHub Enterprise Server (${host}) by the artifact client: set \`storage\` to a directory or s3://…`,
  );
}

/** Throws an InputError when the NAME of `artifact://NAME` cannot start an artifact name. */
export function checkArtifactPrefix(name: string): void {
  const bad = FORBIDDEN.find((c) => name.includes(c));
  if (bad === undefined) return;
  throw new InputError(
    INPUTS.storage,
    `'artifact://${name}' has a character artifact names cannot contain (${JSON.stringify(bad)}): use letters, digits, '-', '_' and '.'.`,
  );
}

/** Turns an error of the artifact client into one line saying what failed and what to do. */
export function explainArtifactError(error: unknown, what: string): ActionError {
  if (error instanceof ActionError) return error;
  const status = statusOf(error);
  const name = error instanceof Error ? error.name : '';
  // The Twirp client rewraps its UsageError in a plain Error: only the message is left.
  if (name === 'UsageError' || /storage quota has been hit/.test(describeError(error)))
    return new ActionError(
      `${what} was refused: the artifact storage quota of this account is used up. Delete old artifacts, lower artifact-retention-days, or set \`storage\` to a directory or s3://….`,
    );
  if (name === 'ArtifactNotFoundError')
    return new ActionError(
      `${what} failed: no such artifact (it may have expired or been deleted, or it was written under another name).`,
    );
  if (status === 401 || status === 403)
    return new ActionError(
      `${what} failed: GitHub refused access (${status}). To read another run's artifacts, github-token needs the \`actions: read\` permission on that repository (\`actions: write\` to delete them).`,
    );
  if (status === 404)
    return new ActionError(
      `${what} failed: not found (404). Check artifact-run-id and artifact-repository, and that github-token can see that repository.`,
    );
  if (status === 409)
    return new ActionError(
      `${what} failed: an artifact with that name already exists in this run; a backup is never overwritten.`,
    );
  return new ActionError(`${what} failed: ${firstLine(describeError(error))}`, { cause: error });
}

/** Whether an error says that an artifact does not exist. */
export function isArtifactNotFound(error: unknown): boolean {
  return (
    (error instanceof Error && error.name === 'ArtifactNotFoundError') || statusOf(error) === 404
  );
}

/** The HTTP status of an Octokit RequestError, or the `(NNN)` in a Twirp client error message. */
function statusOf(error: unknown): number | undefined {
  const status = (error as { status?: unknown } | null)?.status;
  if (typeof status === 'number') return status;
  const match = /Failed request: \((\d{3})\)/.exec(describeError(error));
  return match?.[1] === undefined ? undefined : Number(match[1]);
}

function firstLine(message: string): string {
  return message.split(/\r?\n/)[0]?.trim() || 'unknown error';
}
