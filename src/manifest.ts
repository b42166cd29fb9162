import type { TableRows } from './pipeline/row-count.js';

/** The manifest written last, next to the data object (`manifestVersion` 1). */
export interface Manifest {
  manifestVersion: 1;
  id: string;
  label: string;
  createdAt: string;
  finishedAt: string;
  tool: { name: string; version: string };
  server: { version: string; versionNum: number; database: string };
  client: { pgDumpVersion: string };
  dump: { format: string; compression: string; jobs: number; args: string[] };
  encryption: { scheme: 'age' | 'none'; recipients?: string[]; passphrase?: true };
  object: { key: string; size: number; sha256: string };
  tables: TableRows[];
  totalRows: number;
  verification: { archive: 'passed' | 'skipped' };
  labels: Record<string, string>;
}

/** The manifest as stored: pretty JSON with a trailing newline. */
export function serializeManifest(manifest: Manifest): string {
  return `${JSON.stringify(manifest, null, 2)}\n`;
}
