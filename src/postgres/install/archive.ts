import { randomUUID } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import * as core from '@actions/core';
import * as tc from '@actions/tool-cache';
import { ActionError } from '../../errors.js';
import { verifySha256 } from './download.js';
import type { Host } from './host.js';
import {
  type ClientInstaller,
  type InstallTools,
  type PgClient,
  requireMajor,
  TOOL_NAME,
  toolVersion,
} from './installer.js';

/** The tool-cache name every client is cached under. */

/** A client archive for one major: where it is, what it must hash to, and its layout. */
export interface ArchiveRelease {
  /** The major it holds. */
  major: number;
  /** Its version, e.g. `18.6`. */
  version: string;
  /** Where to download it. */
  url: string;
  /** Its pinned SHA-256; undefined means not pinned, and the installer refuses it (fails closed). */
  sha256: string | undefined;
  /** How it is packed. */
  format: 'zip' | 'tar.gz';
  /** The directory inside the archive that holds `bin/`, e.g. `pgsql`. */
  root: string;
  /** Directories under the root removed before caching (pgAdmin, docs, ...). */
  trim: readonly string[];
  /** The binaries' architecture, the tool-cache arch they are cached under. */
  arch: string;
}

/** What the archive installer does for one major. */
export interface ArchivePlan extends ArchiveRelease {
  /** Discriminator. */
  method: 'archive';
  /** The pinned SHA-256 (a plan exists only for pinned archives). */
  sha256: string;
  /** The tool-cache version, e.g. `18.6.0`. */
  cacheVersion: string;
  /** One line for the log. */
  summary: string;
}

/** The steps for a release; throws when its SHA-256 is not pinned (never installs unverified bytes). */
export function planArchive(release: ArchiveRelease, source: string): ArchivePlan {
  const sha256 = release.sha256;
  if (!sha256) {
    throw new ActionError(
      `No SHA-256 is pinned for ${release.url}, and ${source} publishes none to check it against: refusing to install it. Install a PostgreSQL ${release.major} client before this step and set pg-bin-dir.`,
    );
  }
  const cacheVersion = toolVersion(release.version);
  return {
    ...release,
    method: 'archive',
    sha256,
    cacheVersion,
    summary: `${source} ${release.version}: download ${release.url}, check its SHA-256, extract, cache as ${TOOL_NAME} ${cacheVersion} (${release.arch})`,
  };
}

/** Downloads, verifies, extracts, trims and caches a client archive (Windows: EDB's binaries zip). */
export class ArchiveInstaller implements ClientInstaller<ArchivePlan> {
  readonly majors: readonly number[];

  constructor(
    readonly method: string,
    private readonly releases: readonly ArchiveRelease[],
    private readonly host: Host,
    private readonly tools: InstallTools,
  ) {
    this.majors = releases.map((r) => r.major).sort((a, b) => a - b);
  }

  /** The plan for a major's release; throws when there is none or it is not pinned. */
  plan(major: number): ArchivePlan {
    requireMajor(this, major);
    const release = this.releases.find((r) => r.major === major);
    if (!release) throw new ActionError(`No ${this.method} release for ${major}.`);
    return planArchive(release, this.method);
  }

  /** Returns the cached client of the major, downloading and caching it first when needed. */
  async install(major: number): Promise<PgClient> {
    const plan = this.plan(major);
    const cached = await this.fromCache(plan);
    if (cached) return cached;
    if (!this.host.env.RUNNER_TOOL_CACHE)
      throw new ActionError(
        'RUNNER_TOOL_CACHE is not set: it names where downloaded clients are cached.',
      );
    core.info(plan.summary);
    // short: Windows paths inside pgAdmin's tree are long enough already
    const work = join(this.host.tempDir, `pg${plan.major}-${randomUUID().slice(0, 8)}`);
    try {
      const root = await this.unpack(plan, work);
      const staged = await this.tools.probe(join(root, 'bin'));
      if (staged?.major !== major)
        throw new ActionError(`${plan.url} holds no working pg_dump ${major} in ${plan.root}/bin.`);
      const dir = await tc.cacheDir(root, TOOL_NAME, toolVersion(staged.version), plan.arch);
      return await this.probeCached(dir, major);
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  }

  private async fromCache(plan: ArchivePlan): Promise<PgClient | undefined> {
    if (!this.host.env.RUNNER_TOOL_CACHE) return undefined;
    const dir = tc.find(TOOL_NAME, plan.cacheVersion, plan.arch);
    if (!dir) return undefined;
    const client = await this.tools.probe(join(dir, 'bin'));
    return client?.major === plan.major ? client : undefined;
  }

  private async unpack(plan: ArchivePlan, work: string): Promise<string> {
    const name = plan.url.split('/').pop() || `client.${plan.format}`;
    const file = await this.tools.download(plan.url, join(work, name));
    await verifySha256(file, plan.sha256, plan.url);
    const into = join(work, 'x');
    if (plan.format === 'zip') await tc.extractZip(file, into);
    else await tc.extractTar(file, into);
    await rm(file, { force: true });
    const root = join(into, plan.root);
    await Promise.all(plan.trim.map((d) => rm(join(root, d), { recursive: true, force: true })));
    return root;
  }

  private async probeCached(dir: string, major: number): Promise<PgClient> {
    const client = await this.tools.probe(join(dir, 'bin'));
    if (client?.major === major) return client;
    throw new ActionError(`The cached client in ${dir} does not run.`);
  }
}
