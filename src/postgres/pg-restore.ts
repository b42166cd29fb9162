import type { PgClient } from './client.js';
import { clientProgram } from './client.js';
import { startProcess, type RunningProcess } from './process.js';

/** Args that make pg_restore read a whole archive and print it as SQL: the full-read check. */
export function buildArchiveReadArgs(archive: string | undefined): string[] {
  return ['--file=-', ...(archive ? [archive] : [])];
}

/** Starts pg_restore reading an archive (stdin when `archive` is undefined), SQL on stdout. */
export function startArchiveRead(
  client: PgClient,
  archive: string | undefined,
  env: NodeJS.ProcessEnv,
  signal: AbortSignal,
): RunningProcess {
  const args = buildArchiveReadArgs(archive);
  return startProcess(clientProgram(client, 'pg_restore'), args, {
    env,
    signal,
    name: 'pg_restore',
    stdin: archive === undefined,
  });
}
