import { describe, expect, it } from '@jest/globals';
import { InputError } from '../../../src/errors.js';
import { readBackupSettings } from '../../../src/inputs/backup.js';
import { readArtifactSettings } from '../../../src/inputs/storage.js';
import { maskRecorder, readerOf, thrown } from '../../helpers/unit-support.js';

function settingsOf(given: Record<string, string>) {
  const { mask, masked } = maskRecorder();
  return { settings: readArtifactSettings(readerOf(given), mask), masked };
}

function errorOf(given: Record<string, string>): Error {
  return thrown(() => readArtifactSettings(readerOf(given), () => undefined));
}

describe('readArtifactSettings', () => {
  it('leaves everything unset by default (this run, the repository retention)', () => {
    expect(settingsOf({}).settings).toEqual({
      retentionDays: undefined,
      runId: undefined,
      repository: undefined,
      token: undefined,
    });
  });

  it('reads retention, run id, repository and the token, and masks the token', () => {
    const { settings, masked } = settingsOf({
      'artifact-retention-days': '14',
      'artifact-run-id': '12345678901',
      'artifact-repository': 'octo-org/app.db',
      'github-token': 'ghs_secret',
    });
    expect(settings).toEqual({
      retentionDays: 14,
      runId: 12345678901,
      repository: 'octo-org/app.db',
      token: 'ghs_secret',
    });
    expect(masked).toEqual(['ghs_secret']);
  });

  it.each([
    [{ 'artifact-retention-days': '0' }, 'artifact-retention-days', /from 1 to 90/],
    [{ 'artifact-retention-days': '91' }, 'artifact-retention-days', /from 1 to 90/],
    [{ 'artifact-retention-days': '7d' }, 'artifact-retention-days', /not a whole number/],
    [{ 'artifact-run-id': 'latest' }, 'artifact-run-id', /not a whole number/],
    [{ 'artifact-run-id': '-5' }, 'artifact-run-id', /not a whole number/],
    [{ 'artifact-run-id': '0' }, 'artifact-run-id', /not a run id/],
    [
      { 'artifact-run-id': '1', 'artifact-repository': 'just-a-name' },
      'artifact-repository',
      /owner\/name/,
    ],
    [
      { 'artifact-run-id': '1', 'artifact-repository': 'a/b/c' },
      'artifact-repository',
      /owner\/name/,
    ],
    [{ 'artifact-repository': 'octo-org/app' }, 'artifact-repository', /needs artifact-run-id/],
  ])('rejects %j naming the input', (given, input, pattern) => {
    const error = errorOf(given);
    expect(error).toBeInstanceOf(InputError);
    expect(error.message).toMatch(new RegExp(`^Input '${input}': `));
    expect(error.message).toMatch(pattern);
  });

  it('is part of the backup settings for artifact:// (the default storage)', () => {
    const { mask, masked } = maskRecorder();
    const settings = readBackupSettings(
      readerOf({
        'database-url': 'postgresql://u@h/db',
        'artifact-retention-days': '3',
        'github-token': 'tok',
      }),
      mask,
      '/work',
    );
    expect(settings.artifact).toMatchObject({ retentionDays: 3, token: 'tok' });
    expect(masked).toContain('tok');
  });

  it('is read only when a storage location is artifact://', () => {
    const settings = readBackupSettings(
      readerOf({ 'database-url': 'postgresql://u@h/db', storage: './backups' }),
      () => undefined,
      '/work',
    );
    expect(settings.artifact).toBeUndefined();
  });
});
