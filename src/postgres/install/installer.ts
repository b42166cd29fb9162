import { join } from 'node:path';
import { ActionError } from '../../errors.js';
import type { RunCommand } from './command.js';

/** A PostgreSQL client installation: the directory holding pg_dump, pg_restore and psql. */
export interface PgClient {
  /** Directory of the binaries. */
  binDir: string;
  /** Version as printed by `pg_dump --version`, e.g. `18.1`. */
  version: string;
  /** Major version. */
  major: number;
}

/** Path of one client program. */
export function clientProgram(
  client: PgClient,
  name: 'pg_dump' | 'pg_dumpall' | 'pg_restore' | 'psql',
): string {
  return join(client.binDir, process.platform === 'win32' ? `${name}.exe` : name);
}

/** The tool name of downloaded clients in the runner's tool cache. */
export const TOOL_NAME = 'postgresql';

/**
 * The newest PostgreSQL major this release knows. A newer one is still attempted by the installers
 * whose sources may already carry it (PGDG, Homebrew); it fails only when none has it.
 */
export const LATEST_MAJOR = 18;

/** The oldest PostgreSQL major the action installs or accepts. */
export const OLDEST_MAJOR = 10;

/** What an installer would do for one major: plain data, so it can be logged and table-tested. */
export interface InstallPlan {
  /** One line saying what would be done. */
  summary: string;
}

/** One way of installing a client (apt, Homebrew, a downloaded archive), chosen by the factory. */
export interface ClientInstaller<Plan extends InstallPlan = InstallPlan> {
  /** How it installs, for messages: `apt`, `Homebrew`, `EDB binaries`, ... */
  readonly method: string;
  /** The majors it can install here, oldest first. */
  readonly majors: readonly number[];
  /** Whether it also attempts a major newer than {@link LATEST_MAJOR} (its sources may have it). */
  readonly triesNewer?: boolean;
  /** What {@link install} would do; throws an ActionError when the major cannot be installed. */
  plan(major: number): Plan;
  /** Installs (or finds the earlier install of) the client of a major and returns it. */
  install(major: number): Promise<PgClient>;
}

/** What installers use to act on the machine; tests pass fakes. */
export interface InstallTools {
  /** Runs a command. */
  run: RunCommand;
  /** Reads the version of the pg_dump in a bin directory. */
  probe: (binDir: string) => Promise<PgClient | undefined>;
  /** Downloads a URL to a file (retrying transient failures) and returns its path. */
  download: (url: string, dest: string) => Promise<string>;
}

/** What messages and checks need of an installer. */
type InstallerFacts = Pick<ClientInstaller, 'method' | 'majors' | 'triesNewer'>;

/**
 * The major to install: the requested one, or with `auto` the lowest installable one at least the
 * server's; a major newer than this release knows when the installer attempts those.
 */
export function chooseInstallMajor(
  installer: InstallerFacts,
  serverMajor: number,
  pgVersion: number | 'auto',
): number {
  const wanted = pgVersion === 'auto' ? serverMajor : pgVersion;
  const pick =
    pgVersion === 'auto'
      ? installer.majors.find((m) => m >= serverMajor)
      : installer.majors.find((m) => m === wanted);
  if (pick !== undefined) return pick;
  if (attemptsNewer(installer, wanted)) return wanted;
  throw new ActionError(`${whyImpossible(wanted, installer)} ${possibleMajors(installer)}`);
}

/** Whether `major` is newer than this release knows and the installer attempts it anyway. */
export function attemptsNewer(installer: InstallerFacts, major: number): boolean {
  return major > LATEST_MAJOR && installer.triesNewer === true;
}

/** Why a major cannot be installed, in one sentence. */
export function whyImpossible(major: number, installer: Pick<ClientInstaller, 'method'>): string {
  if (major > LATEST_MAJOR)
    return `PostgreSQL ${major} is newer than the newest major this release knows (${LATEST_MAJOR}), and ${installer.method} has no build of it here.`;
  if (major < OLDEST_MAJOR)
    return `PostgreSQL ${major} is older than ${OLDEST_MAJOR}, the oldest major this action supports.`;
  return `A PostgreSQL ${major} client cannot be installed here.`;
}

/** The list of what can be installed, for error messages. */
export function possibleMajors(installer: InstallerFacts): string {
  const list = installer.majors.length ? installer.majors.join(', ') : 'none';
  return `Installable here with ${installer.method}: ${list} (a newer pg_dump dumps older servers).`;
}

/** Throws the impossible-request error unless the installer has (or attempts) the major. */
export function requireMajor(installer: InstallerFacts, major: number, detail = ''): void {
  if (installer.majors.includes(major) || attemptsNewer(installer, major)) return;
  throw new ActionError(
    [whyImpossible(major, installer), detail, possibleMajors(installer)].filter(Boolean).join(' '),
  );
}

/** The tool-cache version of a client version: `18.1` → `18.1.0`. */
export function toolVersion(version: string): string {
  const [major = '0', minor = '0'] = version.split('.');
  return `${major}.${minor}.0`;
}

/** The majors from `from` to {@link LATEST_MAJOR}. */
export function majorsFrom(from: number): number[] {
  return Array.from({ length: LATEST_MAJOR - from + 1 }, (_, i) => from + i);
}
