import { readFile } from 'node:fs/promises';
import { arch as osArch, tmpdir } from 'node:os';

/** A Linux distribution, as /etc/os-release describes it. */
export interface Distro {
  /** `ID`, e.g. `debian`, `ubuntu`. */
  id: string;
  /** `ID_LIKE`, e.g. `['debian']` on Ubuntu, `['ubuntu', 'debian']` on Mint. */
  like: string[];
  /** The codename the distribution's packages are built for, e.g. `bookworm`, `noble`. */
  codename: string;
  /** `PRETTY_NAME`, for messages. */
  name: string;
}

/** What an installer needs to know about the machine it runs on. */
export interface Host {
  /** `process.platform`. */
  platform: NodeJS.Platform;
  /** `os.arch()`: `x64`, `arm64`, ... */
  arch: string;
  /** Whether the process runs as root (then apt runs without sudo). */
  isRoot: boolean;
  /** The Linux distribution, when /etc/os-release was readable. */
  distro?: Distro;
  /** A directory for downloads and extracted archives (RUNNER_TEMP, else the OS temp dir). */
  tempDir: string;
  /** The process environment for the commands an installer runs. */
  env: NodeJS.ProcessEnv;
}

/** Parses /etc/os-release; derivatives (Mint, Pop!_OS) name their Ubuntu base in UBUNTU_CODENAME. */
export function parseOsRelease(text: string): Distro | undefined {
  const fields = new Map<string, string>();
  for (const line of text.split('\n')) {
    const m = /^([A-Z_]+)=(.*)$/.exec(line.trim());
    if (m?.[1]) fields.set(m[1], (m[2] ?? '').replace(/^(["'])(.*)\1$/, '$2'));
  }
  const id = fields.get('ID');
  if (!id) return undefined;
  return {
    id,
    like: (fields.get('ID_LIKE') ?? '').split(/\s+/).filter(Boolean),
    codename: fields.get('UBUNTU_CODENAME') || fields.get('VERSION_CODENAME') || '',
    name: fields.get('PRETTY_NAME') ?? id,
  };
}

/** Whether packages come from apt: Debian, Ubuntu and their derivatives. */
export function usesApt(distro: Distro | undefined): boolean {
  if (!distro) return false;
  return [distro.id, ...distro.like].some((name) => name === 'debian' || name === 'ubuntu');
}

/** Reads this machine's facts; `env` is the environment the action was given. */
export async function detectHost(env: NodeJS.ProcessEnv): Promise<Host> {
  const platform = process.platform;
  const distro =
    platform === 'linux'
      ? parseOsRelease(await readFile('/etc/os-release', 'utf8').catch(() => ''))
      : undefined;
  return {
    platform,
    arch: osArch(),
    isRoot: process.getuid?.() === 0,
    distro,
    tempDir: env.RUNNER_TEMP || tmpdir(),
    env,
  };
}
