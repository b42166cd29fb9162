import type { BackupSettings } from '../settings.js';
import { clientProgram, type PgClient } from './install/installer.js';
import { toConninfo } from './connection.js';
import { startProcess, type RunningProcess } from './process.js';

/** Where pg_dump writes: its stdout, or a directory (directory format). */
export type DumpTarget = { kind: 'stdout' } | { kind: 'directory'; path: string };

/** pg_dump's argv, and the options of it a manifest records (no output path, no connection). */
export interface PgDumpArgs {
  argv: string[];
  recorded: string[];
}

/** Builds pg_dump's argv from settings; pure, no shell, never a password. */
export function pgDumpArgs(
  settings: BackupSettings,
  dumpCompress: string | undefined,
  target: DumpTarget,
): PgDumpArgs {
  const { filters } = settings;
  const head = [`--format=${settings.format}`, '--no-password'];
  if (dumpCompress !== undefined) head.push(`--compress=${dumpCompress}`);
  const output = target.kind === 'directory' ? [`--file=${target.path}`, '--no-sync'] : [];
  const tail: string[] = [];
  if (settings.jobs !== undefined) tail.push(`--jobs=${settings.jobs}`);
  tail.push(...filters.schemas.map((s) => `--schema=${s}`));
  tail.push(...filters.excludeSchemas.map((s) => `--exclude-schema=${s}`));
  tail.push(...filters.tables.map((t) => `--table=${t}`));
  tail.push(...filters.excludeTables.map((t) => `--exclude-table=${t}`));
  tail.push(...filters.excludeTableData.map((t) => `--exclude-table-data=${t}`));
  if (settings.schemaOnly) tail.push('--schema-only');
  if (settings.dataOnly) tail.push('--data-only');
  if (settings.lockWaitTimeout) tail.push(`--lock-wait-timeout=${settings.lockWaitTimeout}`);
  tail.push(...settings.extraArgs);
  const connection = `--dbname=${toConninfo(settings.connection)}`;
  return { argv: [...head, ...output, ...tail, connection], recorded: [...head, ...tail] };
}

/** pg_dump's argv alone (see {@link pgDumpArgs}). */
export function buildPgDumpArgs(
  settings: BackupSettings,
  dumpCompress: string | undefined,
  target: DumpTarget,
): string[] {
  return pgDumpArgs(settings, dumpCompress, target).argv;
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
