// readVerifySettings over action.yml's defaults: the restore selection, keys, the optional drill.
import { describe, expect, it } from '@jest/globals';
import { generateX25519Identity } from 'age-encryption';
import { InputError } from '../../../src/errors.js';
import { readVerifySettings } from '../../../src/inputs/verify.js';
import { maskRecorder, readerOf } from '../../helpers/unit-support.js';

const CWD = '/work/project';
const PASSWORD = 'dr:ill@pass';
const TARGET = `postgresql://driller:${encodeURIComponent(PASSWORD)}@db.example.com/drill`;

function verifyOf(given: Record<string, string>) {
  const { mask, masked } = maskRecorder();
  const settings = readVerifySettings(readerOf({ storage: './backups', ...given }), mask, CWD);
  return { settings, masked };
}

describe('readVerifySettings', () => {
  it('reads the defaults: latest, no drill, no keys, the first storage line', () => {
    const { settings } = verifyOf({ storage: './a\n./b' });
    expect(settings.storage).toEqual({ kind: 'local', directory: '/work/project/a' });
    expect(settings.choice).toEqual({ kind: 'latest' });
    expect(settings.drill).toBeUndefined();
    expect(settings.jobs).toBeUndefined();
    expect(settings.keys).toEqual({ identities: [] });
    expect(settings.label).toBeUndefined();
  });

  it('takes the backup choice, the label rule and masks the drill URL and the identity', async () => {
    const identity = await generateX25519Identity();
    const { settings, masked } = verifyOf({
      backup: 'app-20261122T020000Z',
      'database-url': 'postgresql://u@h/shop',
      'target-database-url': TARGET,
      'age-identity': identity,
      jobs: '4',
      tables: 'app.orders',
    });
    expect(settings.choice).toEqual({ kind: 'id', id: 'app-20261122T020000Z' });
    expect(settings.label).toBe('shop');
    expect(settings.drill?.database).toBe('drill');
    expect(settings.jobs).toBe(4);
    expect(settings.tables).toEqual(['app.orders']);
    expect(masked).toEqual(expect.arrayContaining([TARGET, PASSWORD, identity]));
  });

  it('refuses a drill selection without a drill, and a bad backup choice', () => {
    expect(() => verifyOf({ schemas: 'app' })).toThrow(InputError);
    expect(() => verifyOf({ schemas: 'app' })).toThrow(/needs target-database-url/);
    expect(() => verifyOf({ backup: 'yesterday' })).toThrow(/is not latest, a backup id/);
  });
});
