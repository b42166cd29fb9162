import { createHash } from 'node:crypto';
import type { SchemaFingerprint } from '../catalog/archive-facts.js';
export type { SchemaFingerprint } from '../catalog/archive-facts.js';

// A TOC entry's header comment, as pg_dump (plain) and `pg_restore -f -` write it.
const HEADER = /^-- (Data for )?Name: .*; Type: ([A-Z][A-Z ]*); Schema: /;
// Entries whose statements change with the data, not the schema: rows, large objects, sequence
// positions and planner statistics (pg_dump 18 --with-statistics).
const DATA_TYPES = new Set([
  'TABLE DATA',
  'BLOBS',
  'BLOB',
  'BLOB METADATA',
  'LARGE OBJECTS',
  'SEQUENCE SET',
  'STATISTICS DATA',
]);
// pg_dump 17.6+/18 brackets a script with `\restrict KEY` / `\unrestrict KEY`, a random key per run.
const RANDOM_KEYED = /^\\(un)?restrict( |$)/;

/**
 * Hashes the schema of SQL text line by line (fed by {@link RowCounter} with every line outside
 * COPY data): every statement line except comments (`--` lines, which also hold versions, OIDs
 * and offsets), empty lines, `\restrict`/`\unrestrict` and the lines of data entries. Two dumps of
 * an unchanged database give the same fingerprint.
 */
export class SchemaHash {
  private readonly hash = createHash('sha256');
  private inData = false;
  private objects = 0;
  private result: SchemaFingerprint | undefined;

  /** Takes one line (without its newline). */
  line(line: string): void {
    if (line.startsWith('--')) {
      this.onComment(line);
      return;
    }
    if (this.inData || this.result || line === '' || RANDOM_KEYED.test(line)) return;
    this.hash.update(line);
    this.hash.update('\n');
  }

  /** The fingerprint of all lines taken; later lines are ignored. */
  fingerprint(): SchemaFingerprint {
    this.result ??= { sha256: this.hash.digest('hex'), objects: this.objects };
    return this.result;
  }

  private onComment(line: string): void {
    const header = HEADER.exec(line);
    if (!header || this.result) return;
    this.objects += 1;
    this.inData = header[1] !== undefined || DATA_TYPES.has(header[2] ?? '');
  }
}
