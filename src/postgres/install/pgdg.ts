import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type Command, privileged } from './command.js';
import type { Host } from './host.js';
import { LATEST_MAJOR } from './installer.js';

/** Where PGDG publishes its signing key. */
export const PGDG_KEY_URL = 'https://www.postgresql.org/media/keys/ACCC4CF8.asc';
/** The keyring path PGDG's instructions and the postgresql-common package use. */
export const PGDG_KEYRING = '/usr/share/postgresql-common/pgdg/apt.postgresql.org.asc';
/** The sources file postgresql-common's apt.postgresql.org.sh writes (deb822). */
export const PGDG_SOURCES_FILE = '/etc/apt/sources.list.d/pgdg.sources';
/** The PGDG apt repository. */
export const PGDG_URI = 'https://apt.postgresql.org/pub/repos/apt';

/** Node's arch → the Debian architectures PGDG builds for. */
export const PGDG_ARCHES: Readonly<Record<string, string>> = {
  x64: 'amd64',
  arm64: 'arm64',
  ppc64: 'ppc64el',
};
/** Environment of every apt-get run: never ask a question. */
export const APT_ENV = { DEBIAN_FRONTEND: 'noninteractive' };

/** Adding the PGDG repository: key, sources entry, and an update of that list alone. */
export interface PgdgPlan {
  /** The suite, e.g. `bookworm-pgdg`. */
  suite: string;
  /** The components: `main`, and the major's own (`19`) for a major newer than this release knows. */
  components: string[];
  /** Where the signing key is downloaded from when the keyring is missing. */
  keyUrl: string;
  /** The signed-by keyring. */
  keyring: string;
  /** Where the key is downloaded to before it is installed (as the runner user). */
  keyDownload: string;
  /** Installs the downloaded key as the keyring. */
  installKey: Command;
  /** The sources file written when no PGDG entry exists yet. */
  sourcesFile: string;
  /** Its text (deb822). */
  sources: string;
  /** Where that text is written before it is installed. */
  sourcesDraft: string;
  /** Installs the sources file. */
  installSources: Command;
  /** Removes it again when PGDG's list cannot be fetched, so later `apt-get update`s stay clean. */
  removeSources: Command;
  /** `apt-get update` of the PGDG list only. */
  update: Command;
  /**
   * For a major newer than this release knows: an entry of that major's component alone
   * (`pgdg-19.sources`), written beside a PGDG entry the machine already has (PGDG ships a new
   * major's betas and release candidates in a component named after it, before `main`).
   */
  componentOnly?: PgdgPlan;
}

/**
 * The PGDG part of a plan for `major`; undefined without a codename or for an architecture PGDG
 * does not build. A major newer than {@link LATEST_MAJOR} also gets its own component.
 */
export function planPgdg(host: Host, major: number): PgdgPlan | undefined {
  const codename = host.distro?.codename;
  if (!codename || !PGDG_ARCHES[host.arch]) return undefined;
  const suite = `${codename}-pgdg`;
  if (major <= LATEST_MAJOR) return pgdgEntry(host, suite, ['main'], PGDG_SOURCES_FILE);
  const component = String(major);
  const componentFile = PGDG_SOURCES_FILE.replace(/pgdg\.sources$/, `pgdg-${component}.sources`);
  return {
    ...pgdgEntry(host, suite, ['main', component], PGDG_SOURCES_FILE),
    componentOnly: pgdgEntry(host, suite, [component], componentFile),
  };
}

function pgdgEntry(host: Host, suite: string, components: string[], sourcesFile: string): PgdgPlan {
  const base = sourcesFile.split('/').pop() ?? 'pgdg.sources';
  const keyDownload = join(host.tempDir, 'pgdg', 'apt.postgresql.org.asc');
  const sourcesDraft = join(host.tempDir, 'pgdg', base);
  return {
    suite,
    components,
    keyUrl: PGDG_KEY_URL,
    keyring: PGDG_KEYRING,
    keyDownload,
    installKey: privileged(['install', '-D', '-m', '0644', keyDownload, PGDG_KEYRING], host),
    sourcesFile,
    sources: pgdgSources(suite, PGDG_KEYRING, components),
    sourcesDraft,
    installSources: privileged(['install', '-D', '-m', '0644', sourcesDraft, sourcesFile], host),
    removeSources: privileged(['rm', '-f', sourcesFile], host),
    update: updateOneList(sourcesFile, host),
  };
}

/** The deb822 entry for PGDG, as postgresql-common's apt.postgresql.org.sh writes it. */
export function pgdgSources(suite: string, keyring: string, components = ['main']): string {
  return [
    'Types: deb',
    `URIs: ${PGDG_URI}`,
    `Suites: ${suite}`,
    `Components: ${components.join(' ')}`,
    `Signed-By: ${keyring}`,
    '',
  ].join('\n');
}

/**
 * `apt-get update` of one sources file only: fast, and other broken sources cannot fail it. A list
 * that cannot be fetched is an error (apt ≥ 2.3; older apt ignores the option and exits 0).
 */
export function updateOneList(sourcesFile: string, host: Pick<Host, 'isRoot'>): Command {
  return privileged(
    [
      'apt-get',
      'update',
      '-q',
      '-o',
      `Dir::Etc::sourcelist=${sourcesFile}`,
      '-o',
      'Dir::Etc::sourceparts=-',
      '-o',
      'APT::Get::List-Cleanup=0',
      '-o',
      'APT::Update::Error-Mode=any',
    ],
    host,
    APT_ENV,
  );
}

/** The first enabled sources file naming apt.postgresql.org (one-line or deb822 format). */
export async function findPgdgSource(): Promise<string | undefined> {
  const dir = '/etc/apt/sources.list.d';
  const names = await readdir(dir).catch(() => [] as string[]);
  const files = [
    '/etc/apt/sources.list',
    ...names.filter((n) => /\.(list|sources)$/.test(n)).map((n) => join(dir, n)),
  ];
  for (const file of files) {
    const text = await readFile(file, 'utf8').catch(() => '');
    if (listsPgdg(text)) return file;
  }
  return undefined;
}

/** Whether a sources file has an uncommented entry for apt.postgresql.org. */
export function listsPgdg(text: string): boolean {
  return text
    .split('\n')
    .some(
      (l) =>
        !l.trim().startsWith('#') && /apt(-archive)?\.postgresql\.org\/pub\/repos\/apt/.test(l),
    );
}
