import { ActionError } from '../../errors.js';
import { AptInstaller } from './apt.js';
import { ArchiveInstaller } from './archive.js';
import { execRunner } from './command.js';
import { downloadWithRetry } from './download.js';
import { edbReleases } from './edb.js';
import { HomebrewInstaller } from './homebrew.js';
import { type Host, usesApt } from './host.js';
import type { ClientInstaller, InstallTools, PgClient } from './installer.js';

/** Where automatic installation works, for error messages. */
export const SUPPORTED_HOSTS =
  'Debian and Ubuntu and their derivatives (apt: the distribution, else PGDG), macOS on Apple silicon or Intel (Homebrew), and Windows x64 or arm64 (EDB binaries)';

/** The installer for this machine, like setup-node's: apt, Homebrew or EDB binaries; throws elsewhere. */
export function createInstaller(host: Host, tools: InstallTools): ClientInstaller {
  const arch64 = host.arch === 'x64' || host.arch === 'arm64';
  if (host.platform === 'linux' && usesApt(host.distro)) return new AptInstaller(host, tools);
  if (host.platform === 'darwin' && arch64) return new HomebrewInstaller(host, tools);
  if (host.platform === 'win32' && arch64)
    return new ArchiveInstaller('EDB binaries', edbReleases(), host, tools);
  throw new ActionError(
    `A PostgreSQL client cannot be installed automatically on ${describeHost(host)}: that works on ${SUPPORTED_HOSTS}. Install a client before this step and set pg-bin-dir to its bin directory.`,
  );
}

/** The machine in a few words, e.g. `Fedora Linux 41 (x64)`. */
export function describeHost(host: Pick<Host, 'platform' | 'arch' | 'distro'>): string {
  return `${host.distro?.name ?? host.platform} (${host.arch})`;
}

/** The real tools: @actions/exec, tool-cache downloads with retries, and the given probe. */
export function systemTools(
  env: NodeJS.ProcessEnv,
  probe: (binDir: string) => Promise<PgClient | undefined>,
): InstallTools {
  return { run: execRunner(env), probe, download: (url, dest) => downloadWithRetry(url, dest) };
}
