import { describe, expect, it } from '@jest/globals';
import { ActionError } from '../../../src/errors.js';
import {
  checkArtifactHost,
  checkArtifactPrefix,
  explainArtifactError,
  hasArtifactRuntime,
  isArtifactNotFound,
} from '../../../src/storage/artifact-errors.js';

const WHAT = "Uploading artifact 'app-20261122T020000Z.dump'";

function named(name: string, message: string): Error {
  const error = new Error(message);
  error.name = name;
  return error;
}

describe('explainArtifactError', () => {
  it.each([
    [
      'the Twirp client rewrapping a quota UsageError',
      new Error(
        'Failed to CreateArtifact: Artifact storage quota has been hit. Unable to upload any new artifacts.\nMore info on storage limits: https://docs.github.com/…',
      ),
      /was refused: the artifact storage quota of this account is used up/,
    ],
    ['a UsageError', named('UsageError', 'quota'), /storage quota/],
    [
      'an ArtifactNotFoundError',
      named('ArtifactNotFoundError', 'Artifact not found for name: x\n        Please ensure…'),
      /failed: no such artifact/,
    ],
    [
      'an Octokit 403',
      Object.assign(new Error('Resource not accessible by integration'), { status: 403 }),
      /GitHub refused access \(403\).*`actions: read`/,
    ],
    [
      'a Twirp 401',
      new Error(
        'Failed to ListArtifacts: Received non-retryable error: Failed request: (401) Unauthorized: invalid token',
      ),
      /GitHub refused access \(401\)/,
    ],
    [
      'a Twirp 409',
      new Error(
        'Failed to CreateArtifact: Received non-retryable error: Failed request: (409) Conflict: an artifact with this name already exists on the workflow run',
      ),
      /already exists in this run; a backup is never overwritten/,
    ],
    [
      'an Octokit 404',
      Object.assign(new Error('Not Found'), { status: 404 }),
      /not found \(404\)\. Check artifact-run-id/,
    ],
    [
      'a network error (first line only)',
      named('NetworkError', 'Unable to make request: ECONNREFUSED\nIf you are using self-hosted…'),
      /failed: Unable to make request: ECONNREFUSED$/,
    ],
  ])('explains %s in one line', (_, error, pattern) => {
    const explained = explainArtifactError(error, WHAT);
    expect(explained).toBeInstanceOf(ActionError);
    expect(explained.message.startsWith(WHAT)).toBe(true);
    expect(explained.message).toMatch(pattern);
    expect(explained.message).not.toContain('\n');
  });

  it('keeps an ActionError as it is', () => {
    const error = new ActionError('already clear');
    expect(explainArtifactError(error, WHAT)).toBe(error);
  });

  it('knows a missing artifact', () => {
    expect(isArtifactNotFound(named('ArtifactNotFoundError', 'x'))).toBe(true);
    expect(isArtifactNotFound(Object.assign(new Error('Not Found'), { status: 404 }))).toBe(true);
    expect(isArtifactNotFound(new Error('Failed request: (500) boom'))).toBe(false);
  });
});

describe('runtime, host and name checks', () => {
  it('needs both the runtime token and the results URL', () => {
    expect(hasArtifactRuntime({})).toBe(false);
    expect(hasArtifactRuntime({ ACTIONS_RUNTIME_TOKEN: 't' })).toBe(false);
    expect(hasArtifactRuntime({ ACTIONS_RUNTIME_TOKEN: 't', ACTIONS_RESULTS_URL: 'u' })).toBe(true);
  });

  it('accepts github.com and GHE.com, refuses GitHub Enterprise Server', () => {
    expect(() => checkArtifactHost({})).not.toThrow();
    expect(() => checkArtifactHost({ GITHUB_SERVER_URL: 'https://octo.ghe.com' })).not.toThrow();
    expect(() => checkArtifactHost({ GITHUB_SERVER_URL: 'https://git.example.com' })).toThrow(
      /not supported on GitHub Enterprise Server \(git\.example\.com\).*set `storage`/,
    );
  });

  it('refuses NAMEs with characters artifact names cannot have', () => {
    expect(() => checkArtifactPrefix('nightly.db_1')).not.toThrow();
    for (const bad of ['a/b', 'a:b', 'a*', 'a?', 'a"b', 'a\\b', 'a|b'])
      expect(() => checkArtifactPrefix(bad)).toThrow(/^Input 'storage': /);
  });
});
