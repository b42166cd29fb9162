// Properties of the manifest parser: any text is a checked Manifest or an ActionError, and the data
// object's key is always a file name of this backup inside the location.
import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { parseManifest, type Manifest } from '../../../src/catalog/manifest.js';
import { backupId } from '../../../src/catalog/naming.js';
import { ActionError } from '../../../src/errors.js';
import { attempt, date, hostileString, label, PIECES, RUNS } from '../../helpers/hostile-values.js';

const WHERE = 'at s3://bucket/prefix/';
const EXTENSIONS = [
  '.dump',
  '.sql',
  '.sql.gz',
  '.sql.zst',
  '.tar',
  '.dir.tar',
  '.dump.age',
  '.sql.zst.age',
];

/** A valid manifest like the ones backup writes. */
function manifestOf(name: string, at: Date, extension: string): Manifest {
  const id = backupId(name, at);
  return {
    manifestVersion: 1,
    id,
    label: name,
    createdAt: at.toISOString(),
    finishedAt: new Date(at.getTime() + 9000).toISOString(),
    tool: { name: 'postgres-backup-action', version: '0.1.0' },
    server: { version: '17.2', versionNum: 170002, database: 'shop' },
    client: { pgDumpVersion: '18.1' },
    dump: { format: 'custom', compression: 'zstd:3', jobs: 1, args: [] },
    encryption: { scheme: 'none' },
    object: { key: `${id}${extension}`, size: 1234, sha256: 'ab'.repeat(32) },
    tables: [{ schema: 'public', name: 'orders', rows: 10 }],
    totalRows: 10,
    verification: { archive: 'passed' },
    labels: {},
  };
}

const manifest = fc
  .tuple(label, date, fc.constantFrom(...EXTENSIONS))
  .map(([name, at, ext]) => manifestOf(name, at, ext));

/** Every path of a JSON value: ['object', 'key'], ['tables', '0', 'rows'], ... */
function pathsOf(value: unknown, prefix: string[] = []): string[][] {
  if (typeof value !== 'object' || value === null) return [prefix];
  const children = Object.entries(value).flatMap(([k, v]) => pathsOf(v, [...prefix, k]));
  return [prefix, ...children];
}

/** `root` with the value at `path` replaced (or deleted when `value` is undefined). */
function mutate(root: unknown, path: string[], value: unknown): unknown {
  if (path.length === 0) return value;
  const [head = '', ...rest] = path;
  // An array stays an array (a deleted item reads back as null), an object stays an object.
  const copy = (Array.isArray(root) ? [...(root as unknown[])] : { ...(root as object) }) as Record<
    string,
    unknown
  >;
  const next = mutate(copy[head], rest, value);
  if (next === undefined) delete copy[head];
  else copy[head] = next;
  return copy;
}

/** A key built from the id and hostile pieces. */
const keyAround = (id: string) =>
  fc
    .array(fc.constantFrom(...PIECES, id, '.dump', 'etc', 'passwd'), { maxLength: 6 })
    .map((parts) => parts.join(''));

const replacement = fc.oneof(fc.jsonValue(), hostileString, fc.constant(undefined));

/** A valid manifest, changed at one to three random places (object.key more often). */
const mutated = manifest.chain((m) => {
  const paths = pathsOf(m);
  const change = fc.oneof(
    fc.tuple(fc.constantFrom(...paths), replacement),
    fc.tuple(fc.constant<string[]>(['object', 'key']), fc.oneof(keyAround(m.id), replacement)),
  );
  return fc
    .array(change, { minLength: 1, maxLength: 3 })
    .map((changes) => changes.reduce<unknown>((v, [path, value]) => mutate(v, path, value), m));
});

/** Whatever parseManifest does with `text`: a checked Manifest whose key is safe, or an ActionError. */
function expectManifestOrActionError(text: string): Manifest | undefined {
  const result = attempt(() => parseManifest(text, WHERE));
  if (!result.ok) {
    if (!(result.error instanceof ActionError)) throw result.error;
    expect(result.error.message).toContain(`The manifest ${WHERE}`);
    return undefined;
  }
  const { id, object } = result.value;
  expect(typeof object.key).toBe('string');
  expect(object.key.startsWith(`${id}.`)).toBe(true);
  // '..' inside one file name is only a name (labels may hold it); no separator, scheme or drive.
  for (const bad of ['/', '\\', ':']) expect(object.key).not.toContain(bad);
  expect(['.', '..']).not.toContain(object.key);
  return result.value;
}

describe('parseManifest', () => {
  // Regression: labels may hold '..' (a database 'app..v2'); such a backup must stay readable.
  it('reads back every valid manifest as it was written', () => {
    fc.assert(
      fc.property(manifest, (m) => {
        expect(expectManifestOrActionError(`${JSON.stringify(m, null, 2)}\n`)).toEqual(m);
      }),
      { ...RUNS, examples: [[manifestOf('app..v2', new Date(0), '.dump')]] },
    );
  });

  it("reads back every valid manifest whose label has no '..'", () => {
    const plain = manifest.filter((m) => !m.label.includes('..'));
    fc.assert(
      fc.property(plain, (m) => {
        expect(expectManifestOrActionError(`${JSON.stringify(m, null, 2)}\n`)).toEqual(m);
      }),
      RUNS,
    );
  });

  it('gives a Manifest with a safe key or an ActionError for any JSON or text', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.json(),
          hostileString,
          fc
            .jsonValue()
            .map((v) => JSON.stringify({ ...manifestOf('a', new Date(0), '.dump'), v })),
        ),
        (text) => {
          expectManifestOrActionError(text);
        },
      ),
      RUNS,
    );
  });

  it('gives a Manifest with a safe key or an ActionError for a valid manifest changed at random', () => {
    fc.assert(
      fc.property(mutated, (value) => {
        expectManifestOrActionError(JSON.stringify(value));
      }),
      { numRuns: 500 },
    );
  });

  it('refuses a field that is an object whose toString is not a function (found by the property above, seed 429977889)', () => {
    const m = manifestOf('b', new Date('2026-01-01T00:00:00Z'), '.dump');
    for (const field of ['sha256', 'key'] as const) {
      const planted = { ...m, object: { ...m.object, [field]: { toString: '' } } };
      expect(() => parseManifest(JSON.stringify(planted), WHERE)).toThrow(ActionError);
    }
  });

  it('refuses every hostile key', () => {
    const hostileKey = (id: string) =>
      fc.oneof(
        fc.constantFrom(
          '../../etc/passwd',
          'a/b',
          's3://x/y',
          '..',
          '.',
          '',
          'C:\\x',
          '/etc/passwd',
          '\\\\server\\share',
          `${id}.dump/../../x`,
          `${id}.dump\\..\\x`,
          `${id}.dump:stream`,
          `${id}./x`,
          `/${id}.dump`,
          `./${id}.dump`,
          `../${id}.dump`,
          `s3://b/${id}.dump`,
          `file:///${id}.dump`,
          `${id}.dump%2F..%2Fx`,
          `${id}.\u2024\u2024/x`,
          `${id}.dump\u2215..\u2215x`,
          `${id}.dump\uff0f\uff0e\uff0e`,
          `${id}.dump\u0000`,
          `${id}.dump\n`,
          `${id.toUpperCase()}x.dump`,
          `${id}`,
          `${id}-2.dump`,
        ),
        keyAround(id).filter((k) => /[/\\:]|\.\.|[^\x21-\x7e]/.test(k) || !k.startsWith(`${id}.`)),
      );
    const keyed = manifest.chain((m) => fc.tuple(fc.constant(m), hostileKey(m.id)));
    fc.assert(
      fc.property(keyed, ([m, key]) => {
        const text = JSON.stringify({ ...m, object: { ...m.object, key } });
        const result = attempt(() => parseManifest(text, WHERE));
        expect(result.ok).toBe(false);
        if (!result.ok) {
          expect(result.error).toBeInstanceOf(ActionError);
          expect((result.error as Error).message).toContain('object.key');
        }
      }),
      RUNS,
    );
  });
});
