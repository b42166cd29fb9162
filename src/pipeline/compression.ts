import type { Transform } from 'node:stream';
import { constants, createGzip, createZstdCompress } from 'node:zlib';
import { dataExtension } from '../catalog/naming.js';
import { ActionError } from '../errors.js';
import type { Compression, DumpFormat } from '../settings.js';

/** The stages of one backup, computed once: who compresses, how, and the file extension. */
export interface StagePlan {
  /** pg_dump's --compress value (custom and directory formats). */
  dumpCompress?: string;
  /** Compression the action applies to the stream (plain format). */
  streamCompression?: { method: 'gzip' | 'zstd'; level: number };
  /** Whether an encryption stage follows. */
  encrypted: boolean;
  /** The data object's extension, e.g. `.dump`, `.sql.zst`, `.tar.age`. */
  extension: string;
  /** Compression as recorded in the manifest: `zstd:3`, `gzip:6`, `lz4`, `none`. */
  label: string;
}

const DEFAULT_LEVEL = { gzip: 6, zstd: 3 } as const;

/** Resolves `auto` for a client major: zstd:3 from pg_dump 16 on, else gzip:6. */
export function resolveCompression(
  requested: Compression,
  format: DumpFormat,
  clientMajor: number,
): Compression {
  if (requested.method !== 'auto') return requested;
  if (format === 'tar') return { method: 'none' };
  return clientMajor >= 16 ? { method: 'zstd', level: 3 } : { method: 'gzip', level: 6 };
}

/** Plans the stages for a format, a resolved compression and a client major. */
export function planStages(
  format: DumpFormat,
  requested: Compression,
  clientMajor: number,
  encrypted = false,
): StagePlan {
  const c = resolveCompression(requested, format, clientMajor);
  const level =
    c.method === 'gzip' || c.method === 'zstd' ? (c.level ?? DEFAULT_LEVEL[c.method]) : c.level;
  const label =
    c.method === 'none' ? 'none' : level === undefined ? c.method : `${c.method}:${level}`;
  const extension = dataExtension({ format, encrypted });
  if (format === 'plain') return plainPlan(c.method, level, label, encrypted);
  if (format === 'tar') return { encrypted, extension, label: 'none' };
  return {
    dumpCompress: dumpCompressArg(c.method, level, clientMajor),
    encrypted,
    extension,
    label,
  };
}

function plainPlan(
  method: Compression['method'],
  level: number | undefined,
  label: string,
  encrypted: boolean,
): StagePlan {
  if (method === 'gzip' || method === 'zstd') {
    return {
      streamCompression: { method, level: level ?? DEFAULT_LEVEL[method] },
      encrypted,
      extension: dataExtension({ format: 'plain', streamCompression: method, encrypted }),
      label,
    };
  }
  return { encrypted, extension: dataExtension({ format: 'plain', encrypted }), label: 'none' };
}

function dumpCompressArg(
  method: Compression['method'],
  level: number | undefined,
  major: number,
): string {
  if (method === 'none') return '0';
  if (major >= 16) return level === undefined ? method : `${method}:${level}`;
  if (method !== 'gzip') {
    throw new ActionError(
      `compression '${method}' needs pg_dump 16 or newer, but the client is ${major}: set compression to gzip, or pg-version to 16 or newer.`,
    );
  }
  return String(level ?? DEFAULT_LEVEL.gzip);
}

/** The action's own compression stage for plain dumps. */
export function createCompressor(c: NonNullable<StagePlan['streamCompression']>): Transform {
  if (c.method === 'gzip') return createGzip({ level: c.level });
  return createZstdCompress({ params: { [constants.ZSTD_c_compressionLevel]: c.level } });
}
