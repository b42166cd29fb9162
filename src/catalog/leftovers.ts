import type { LeftoverRules } from '../storage/journaled-store.js';
import { belongsTo, idOfBackupFile, idOfManifest, recoveryName } from './naming.js';

/**
 * A backup's objects are leftovers until its manifest is written: the data object, the globals and
 * the recovery document (the post step removes them when main was killed before the manifest).
 */
export const BACKUP_LEFTOVERS: LeftoverRules = {
  pendingUntilSettled: (fileName) => recoveryName(idOfBackupFile(fileName) ?? '') === fileName,
  settles: (fileName, earlier) => {
    const id = idOfManifest(fileName);
    return id !== undefined && belongsTo(earlier, id);
  },
};
