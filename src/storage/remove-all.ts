import { describeError } from '../errors.js';
import type { RemoveFailure, Store } from './store.js';

/**
 * Deletes objects with the store's batch delete when it has one, else one by one. Resolves with
 * the objects that could not be deleted; rejects only when a batch request failed as a whole.
 */
export async function removeAll(store: Store, fileNames: string[]): Promise<RemoveFailure[]> {
  if (!fileNames.length) return [];
  if (store.removeMany) return store.removeMany(fileNames);
  const failures: RemoveFailure[] = [];
  for (const fileName of fileNames)
    await store.remove(fileName).catch((error: unknown) => {
      failures.push({ fileName, reason: describeError(error) });
    });
  return failures;
}
