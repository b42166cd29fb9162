import type { ArchiveRelease } from './archive.js';

/** Where EDB serves the Windows binaries zips (the "zip archive" on postgresql.org's Windows page). */
export const EDB_BASE_URL = 'https://get.enterprisedb.com/postgresql';

/** Parts of the zip a client does not need, removed before caching: most of its ~25,000 files. */
export const EDB_TRIM = ['pgAdmin 4', 'StackBuilder', 'doc', 'symbols'] as const;

/** One pinned EDB build: `postgresql-<version>-<build>-windows-x64-binaries.zip`. */
export interface EdbBuild {
  /** The major. */
  major: number;
  /** The PostgreSQL version, e.g. `18.6`. */
  version: string;
  /** EDB's packaging revision (the `-1` in the name; EDB re-packages under -2, -3, ...). */
  build: number;
  /** SHA-256 of the zip, or undefined when none is pinned (then that major is refused). */
  sha256: string | undefined;
}

// EDB publishes no checksums next to these zips (get.enterprisedb.com has none, and the download
// pages show none; EDB hands them out on request in EnterpriseDB/edb-installers issues). Every
// hash below was taken from public material, not measured here: TODO-verify each one by
// downloading the zip on a trusted machine (`sha256sum`) before relying on it. A wrong hash fails
// closed: the download is refused, nothing is installed.
/** The pinned EDB builds, one per major (newest known minor). */
export const EDB_BUILDS: readonly EdbBuild[] = [
  {
    major: 18,
    version: '18.6',
    build: 1,
    // TODO-verify: the same value measured independently in three public repositories (size 343,808,005 bytes).
    sha256: 'fbe23da234ee31547bf8a36d29dfd81e82b849df2d2b78d2eecb43d360252f8c',
  },
  {
    major: 17,
    version: '17.11',
    build: 1,
    // TODO-verify: the same value measured in many public repositories (size 340,719,294 bytes).
    // EDB's own answer in edb-installers#706 gives b9424ee7… for a later re-packaging, 17.11-4.
    sha256: '6eabdf00d2893713b75db4336a23c3fdf505f056e217ec6e2e95d901750cfea3',
  },
  {
    major: 16,
    version: '16.15',
    build: 1,
    // TODO-verify: in Scoop's manifest and many repositories; one cites EDB's confirmation in edb-installers#696.
    sha256: '25e6fcdfb8caec38691bf461125e7564508760666f7b8e5dc6a5f0818f58f81e',
  },
  {
    major: 15,
    version: '15.19',
    build: 1,
    // TODO-verify: Scoop's manifest (computed by its auto-updater) and one repository.
    sha256: 'cc54e2d349f48c7743ad0c509b755ea565ff04bb5c5e71745d114074cab0c453',
  },
  {
    major: 14,
    version: '14.22',
    build: 1,
    // TODO-verify: Scoop's manifest only.
    sha256: '68b8e1b8cad390dcd65f3be6266eeb045b30d251799644a11e418454fe820a28',
  },
  {
    major: 13,
    version: '13.20',
    build: 1,
    // TODO-verify: Scoop's manifest only. 13 is end of life; 13.23 is its last release (no hash found).
    sha256: '70af9d46f409d1866c0a822a5310804e154a4b20e2fd595f1de6d1fd5c7033be',
  },
];

/** The zip's URL for a build. */
export function edbUrl(build: Pick<EdbBuild, 'version' | 'build'>): string {
  return `${EDB_BASE_URL}/postgresql-${build.version}-${build.build}-windows-x64-binaries.zip`;
}

/** EDB's builds as archive releases. They are x64 only; Windows on arm64 runs them emulated. */
export function edbReleases(builds: readonly EdbBuild[] = EDB_BUILDS): ArchiveRelease[] {
  return builds.map((b) => ({
    major: b.major,
    version: b.version,
    url: edbUrl(b),
    sha256: b.sha256,
    format: 'zip',
    root: 'pgsql',
    trim: EDB_TRIM,
    arch: 'x64',
  }));
}
