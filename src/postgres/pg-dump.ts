import type { BackupSettings } from '../settings.js';
import type { PgClient } from './client.js';
import { clientProgram } from './client.js';
import { toConninfo } from './connection.js';
import { startProcess, type RunningProcess } from './process.js';

/** Where pg_dump writes: its stdout, or a directory (directory format). */
export type DumpTarget = { kind: 'stdout' } | { kind: 'directory'; path: string };

/** Builds pg_dump's argv from settings; pure, no shell, never a password. */
export function buildPgDumpArgs(
  settings: BackupSettings,
  dumpCompress: string | undefined,
  target: DumpTarget,
): string[] {
  const { filters } = settings;
  const args = [`--format=${settings.format}`, '--no-password'];
  if (dumpCompress !== undefined) args.push(`--compress=${dumpCompress}`);
  if (target.kind === 'directory') args.push(`--file=${target.path}`, '--no-sync');
  if (settings.jobs !== undefined) args.push(`--jobs=${settings.jobs}`);
  args.push(...filters.schemas.map((s) => `--schema=${s}`));
  args.push(...filters.excludeSchemas.map((s) => `--exclude-schema=${s}`));
  args.push(...filters.tables.map((t) => `--table=${t}`));
  args.push(...filters.excludeTables.map((t) => `--exclude-table=${t}`));
  args.push(...filters.excludeTableData.map((t) => `--exclude-table-data=${t}`));
  if (settings.schemaOnly) args.push('--schema-only');
  if (settings.dataOnly) args.push('--data-only');
  if (settings.lockWaitTimeout) args.push(`--lock-wait-timeout=${settings.lockWaitTimeout}`);
  args.push(...settings.extraArgs);
  args.push(`--dbname=${toConninfo(settings.connection)}`);
  return args;
}

/** Starts pg_dump; the caller awaits both its stdout and `exited`. */
export function startPgDump(
  client: PgClient,
  args: string[],
  env: NodeJS.ProcessEnv,
  signal: AbortSignal,
): RunningProcess {
  return startProcess(clientProgram(client, 'pg_dump'), args, { env, signal, name: 'pg_dump' });
}

/** The args as they may be logged: the conninfo reduced to host, port and database. */
export function describeArgs(args: string[]): string {
  return args.map((a) => (a.startsWith('--dbname=') ? '--dbname=…' : a)).join(' ');
}
