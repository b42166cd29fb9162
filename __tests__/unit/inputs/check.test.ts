// readCheckSettings over action.yml's real defaults (the production-like reader).
import { describe, expect, it } from '@jest/globals';
import { InputError } from '../../../src/errors.js';
import { readCheckSettings } from '../../../src/inputs/check.js';
import { readerOf } from '../../../scripts/lib/repo.js';

function read(inputs: Record<string, string>, masked: string[] = []) {
  return readCheckSettings(
    readerOf({ command: 'check', storage: '/backups', ...inputs }),
    (s) => masked.push(s),
    '/work',
  );
}

function failure(inputs: Record<string, string>): Error {
  try {
    read(inputs);
  } catch (error) {
    return error as Error;
  }
  throw new Error('no error');
}

describe('readCheckSettings', () => {
  it('reads max-age and size-tolerance', () => {
    expect(read({ 'max-age': '26h', 'size-tolerance': '50', label: 'app' })).toEqual({
      storage: { kind: 'local', directory: '/backups' },
      label: 'app',
      maxAge: { months: 0, ms: 26 * 3_600_000 },
      sizeTolerance: 50,
    });
  });

  it('leaves size-tolerance unset when empty, and max-age unset when only the size is checked', () => {
    expect(read({ 'max-age': '2d' }).sizeTolerance).toBeUndefined();
    expect(read({ 'size-tolerance': '12.5' })).toMatchObject({
      maxAge: undefined,
      sizeTolerance: 12.5,
    });
  });

  it('refuses a check with neither, naming both inputs', () => {
    const error = failure({});
    expect(error).toBeInstanceOf(InputError);
    expect(error.message).toContain("'max-age'");
    expect(error.message).toContain("'size-tolerance'");
  });

  it.each([
    ['max-age', '26', /'26' is not a duration/],
    ['max-age', '0h', /is zero/],
    ['size-tolerance', '2000', /from 0 to 1000/],
    ['size-tolerance', 'lots', /from 0 to 1000/],
  ])('refuses %s: %s naming the input', (name, value, message) => {
    const error = failure({ [name]: value });
    expect(error).toBeInstanceOf(InputError);
    expect(error.message).toContain(`Input '${name}'`);
    expect(error.message).toMatch(message);
  });

  it('takes the label from database-url, masking it', () => {
    const masked: string[] = [];
    const settings = read(
      { 'max-age': '1h', 'database-url': 'postgres://u:s3cret@db/shop' },
      masked,
    );
    expect(settings.label).toBe('shop');
    expect(masked).toContain('s3cret');
  });

  it('leaves the label to the location when neither label nor database-url is given', () => {
    expect(read({ 'max-age': '1h' }).label).toBeUndefined();
  });

  it('uses the first storage line and carries the s3 settings', () => {
    const settings = read({
      'max-age': '1h',
      storage: 's3://bucket/nightly\n/elsewhere',
      's3-endpoint': 'http://127.0.0.1:9000',
    });
    expect(settings.storage).toEqual({ kind: 's3', bucket: 'bucket', prefix: 'nightly/' });
    expect(settings.s3?.endpoint).toBe('http://127.0.0.1:9000');
  });
});
