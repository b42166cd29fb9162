import * as core from '@actions/core';
import type { GlobalsObject } from '../catalog/manifest.js';
import { INPUTS } from '../input-names.js';
import { globalsObjectName } from '../catalog/naming.js';
import { planStages } from '../pipeline/compression.js';
import { createEncryptor } from '../pipeline/encryption.js';
import { runGlobalsStream } from '../pipeline/globals.js';
import type { PgClient } from '../postgres/install/installer.js';
import { describeArgs } from '../postgres/pg-dump.js';
import { canReadRolePasswords, pgDumpallArgs } from '../postgres/pg-dumpall.js';
import { withConnection } from '../postgres/server.js';
import type { BackupSettings, Compression } from '../settings.js';
import type { Committed, Store } from '../storage/store.js';
import { commitAll, openWriters } from '../catalog/publish.js';

/** What the globals step of one backup needs. */
export interface GlobalsJob {
  settings: BackupSettings;
  client: PgClient;
  stores: Store[];
  /** The environment of client programs (PGPASSFILE). */
  clientEnv: NodeJS.ProcessEnv;
  /** The backup id the globals object belongs to. */
  id: string;
  signal?: AbortSignal;
}

/** The stored globals object, as the manifest records it, and where it was committed. */
export interface GlobalsDumped {
  object: GlobalsObject;
  committed: Committed[];
}

/**
 * Dumps roles and tablespaces with pg_dumpall --globals-only (without passwords when the user
 * cannot read pg_authid) through the stages of a plain dump to every location, committed there;
 * on a failure nothing of it is left.
 */
export async function dumpGlobals(job: GlobalsJob): Promise<GlobalsDumped> {
  const { settings, stores, signal } = job;
  const rolePasswords = await withConnection(
    settings.connection,
    INPUTS.databaseUrl,
    canReadRolePasswords,
  );
  if (!rolePasswords)
    core.warning(
      'The user cannot read role passwords (pg_authid), as on managed providers: the roles are stored without their passwords (--no-role-passwords).',
    );
  const plan = planStages(
    'plain',
    plainCompression(settings.compression),
    job.client.major,
    settings.encryption !== undefined,
  );
  const key = globalsObjectName(job.id, plan.extension);
  const args = pgDumpallArgs(settings.connection, rolePasswords);
  core.info(`pg_dumpall ${describeArgs(args)}`);
  const writers = await openWriters(stores, key, {});
  try {
    const encryptor = settings.encryption ? await createEncryptor(settings.encryption) : undefined;
    const sinks = writers.map((w) => w.stream);
    const stream = { ...job, env: job.clientEnv, args, plan, sinks, encryptor };
    const measured = await runGlobalsStream(stream);
    const committed = await commitAll(writers, stores, key, signal);
    core.info(`Stored ${key}: ${measured.size} bytes, sha256 ${measured.sha256}.`);
    const { size, sha256 } = measured;
    return { object: { key, size, sha256, rolePasswords }, committed };
  } catch (error) {
    await Promise.all(writers.map((w) => w.abort().catch(() => undefined)));
    throw error;
  }
}

/** The backup's compression as a plain dump has it: lz4 (not available for plain) becomes auto. */
export function plainCompression(c: Compression): Compression {
  return c.method === 'lz4' ? { method: 'auto' } : c;
}
