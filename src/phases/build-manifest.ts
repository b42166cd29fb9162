import { lockOf } from '../catalog/lock.js';
import type { GlobalsObject, Manifest } from '../catalog/manifest.js';
import type { BackupStreamResult } from '../pipeline/backup.js';
import type { StagePlan } from '../pipeline/compression.js';
import type { PgClient } from '../postgres/install/installer.js';
import type { ServerInfo } from '../postgres/server.js';
import type { BackupSettings } from '../settings.js';
import { TOOL } from '../tool.js';

/** What a backup's manifest is made of. */
export interface ManifestParts {
  settings: BackupSettings;
  server: ServerInfo;
  client: PgClient;
  plan: StagePlan;
  id: string;
  fileName: string;
  result: BackupStreamResult;
  args: string[];
  started: Date;
  finished: Date;
  /** The globals object, when this backup has one. */
  globals?: GlobalsObject;
}

/** The manifest of a finished, stored backup. */
export function buildManifest(p: ManifestParts): Manifest {
  const tables = p.result.tables ?? [];
  return {
    manifestVersion: 1,
    id: p.id,
    label: p.settings.label,
    createdAt: p.started.toISOString(),
    finishedAt: p.finished.toISOString(),
    tool: { name: TOOL.name, version: TOOL.version },
    server: {
      version: p.server.version,
      versionNum: p.server.versionNum,
      database: p.server.database,
    },
    client: { pgDumpVersion: p.client.version },
    dump: {
      format: p.settings.format,
      compression: p.plan.label,
      jobs: p.settings.jobs ?? 1,
      args: p.args,
    },
    encryption: manifestEncryption(p.settings),
    object: { key: p.fileName, size: p.result.size, sha256: p.result.sha256 },
    tables,
    totalRows: tables.reduce((sum, t) => sum + t.rows, 0),
    ...(p.result.schema ? { schema: p.result.schema } : {}),
    verification: { archive: p.result.tables ? 'passed' : 'skipped' },
    labels: p.settings.labels,
    ...(p.globals ? { globals: p.globals } : {}),
    ...lockRecord(p),
  };
}

/** The Object Lock the backup's objects were written with (S3 locations only). */
function lockRecord(p: ManifestParts): Pick<Manifest, 'lock'> {
  const lock = lockOf(p.id, p.settings.s3?.objectLock);
  return lock ? { lock } : {};
}

function manifestEncryption(settings: BackupSettings): Manifest['encryption'] {
  const keys = settings.encryption;
  if (!keys) return { scheme: 'none' };
  return keys.passphrase !== undefined
    ? { scheme: 'age', passphrase: true }
    : { scheme: 'age', recipients: keys.recipients };
}
