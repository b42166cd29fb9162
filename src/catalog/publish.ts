// Publishing one backup at every location: writers opened together, objects committed together,
// manifests last; on any failure only what this run wrote is removed again.
import { serializeManifest, type Manifest } from './manifest.js';
import { manifestName } from './naming.js';
import type { Committed, ObjectWriter, Store, WriteHints } from '../storage/store.js';

/** Opens a writer at every location; when one cannot be opened, the others are aborted. */
export async function openWriters(
  stores: Store[],
  fileName: string,
  hints: WriteHints,
): Promise<ObjectWriter[]> {
  const results = await Promise.allSettled(stores.map((s) => s.openWriter(fileName, hints)));
  const opened = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  const failed = results.find((r) => r.status === 'rejected');
  if (!failed) return opened;
  await Promise.all(opened.map((w) => w.abort().catch(() => undefined)));
  throw failed.reason;
}

/**
 * Commits every location's object; if one fails, or the run is cancelled meanwhile (a commit can
 * wait on a slow upload), the ones already visible are removed again.
 */
export async function commitAll(
  writers: ObjectWriter[],
  stores: Store[],
  fileName: string,
  signal?: AbortSignal,
): Promise<Committed[]> {
  const done: Committed[] = [];
  const abortAll = () => void Promise.all(writers.map((w) => w.abort().catch(() => undefined)));
  signal?.addEventListener('abort', abortAll, { once: true });
  try {
    for (const writer of writers) done.push(await writer.commit());
    signal?.throwIfAborted();
    return done;
  } catch (error) {
    await Promise.all(
      stores.slice(0, done.length).map((s) => s.remove(fileName).catch(() => undefined)),
    );
    throw error;
  } finally {
    signal?.removeEventListener('abort', abortAll);
  }
}

/**
 * Writes the manifest at every location. On any failure this run's backup is removed again: its
 * data object everywhere (all were committed by this run) and its manifest only where this run's
 * write succeeded, never an object another run wrote.
 */
export async function writeManifests(
  stores: Store[],
  manifest: Manifest,
  fileName: string,
): Promise<Committed[]> {
  const manifestFile = manifestName(manifest.id);
  const results = await Promise.allSettled(
    stores.map((s) => s.writeSmall(manifestFile, serializeManifest(manifest))),
  );
  const failed = results.find((r) => r.status === 'rejected');
  if (!failed) return results.map((r) => (r as PromiseFulfilledResult<Committed>).value);
  const undo = async (s: Store, i: number) => {
    if (results[i]?.status === 'fulfilled') await s.remove(manifestFile).catch(() => undefined);
    await s.remove(fileName).catch(() => undefined);
  };
  await Promise.all(stores.map(undo));
  throw failed.reason;
}
