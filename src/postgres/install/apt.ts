import { access, mkdir, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import * as core from '@actions/core';
import { ActionError, describeError } from '../../errors.js';
import { type Command, privileged } from './command.js';
import type { Host } from './host.js';
import {
  type ClientInstaller,
  type InstallTools,
  majorsFrom,
  OLDEST_MAJOR,
  requireMajor,
  type PgClient,
} from './installer.js';
import {
  APT_ENV,
  findPgdgSource,
  PGDG_ARCHES,
  type PgdgPlan,
  planPgdg,
  updateOneList,
} from './pgdg.js';

/** What the apt installer does for one major. */
export interface AptPlan {
  /** Discriminator. */
  method: 'apt';
  /** The major installed. */
  major: number;
  /** `postgresql-client-N`. */
  package: string;
  /** Where the package puts pg_dump. */
  binDir: string;
  /** Reads the package's candidate (no root needed). */
  policy: Command;
  /** Installs the package. */
  install: Command;
  /** Refreshes every list; run once when an install fails (stale lists), before one retry. */
  updateAll: Command;
  /** Adding PGDG; absent when PGDG has nothing for this architecture or distribution. */
  pgdg?: PgdgPlan;
  /** One line for the log. */
  summary: string;
}

/** The apt steps for a major on a host: the distribution's package when it has the major, else PGDG's. */
export function planApt(major: number, host: Host): AptPlan {
  const pkg = `postgresql-client-${major}`;
  const pgdg = planPgdg(host, major);
  const from = pgdg
    ? `else from PGDG (${pgdg.suite}, ${pgdg.components.length > 1 ? 'components' : 'component'} ${pgdg.components.join(' ')})`
    : 'PGDG has no packages for this machine';
  return {
    method: 'apt',
    major,
    package: pkg,
    binDir: `/usr/lib/postgresql/${major}/bin`,
    policy: { argv: ['apt-cache', 'policy', pkg], env: { LC_ALL: 'C' } },
    install: privileged(
      ['apt-get', 'install', '-y', '-q', '--no-install-recommends', pkg],
      host,
      APT_ENV,
    ),
    updateAll: privileged(['apt-get', 'update', '-q'], host, APT_ENV),
    pgdg,
    summary: `${pkg} with apt: the distribution's package when its candidate is ${major}, ${from}`,
  };
}

/** A package's candidate as `apt-cache policy` shows it. */
export interface AptCandidate {
  /** e.g. `15.20-0+deb12u1`. */
  version: string;
  /** Where it comes from, e.g. `http://deb.debian.org/debian-security bookworm-security/main`. */
  origin: string;
}

/** Reads the candidate from `apt-cache policy` output (LC_ALL=C); undefined for `(none)` or an unknown package. */
export function parsePolicy(text: string): AptCandidate | undefined {
  const version = /^\s*Candidate:\s*(\S+)/m.exec(text)?.[1];
  if (!version || version === '(none)') return undefined;
  const lines = text.split('\n');
  const at = lines.findIndex((l) => l.replace('***', '').trim().split(/\s+/)[0] === version);
  const origin = (lines[at + 1] ?? '').trim().split(/\s+/).slice(1, 3).join(' ');
  return { version, origin };
}

/** Whether a candidate version belongs to the major (`15.20-0+deb12u1` is 15; epochs allowed). */
export function isCandidateOf(candidate: AptCandidate | undefined, major: number): boolean {
  return !!candidate && new RegExp(`^(\\d+:)?${major}[.~]`).test(candidate.version);
}

/** The files the apt installer reads and writes; tests pass fakes. */
export interface AptFiles {
  /** Whether a path exists. */
  exists(path: string): Promise<boolean>;
  /** The sources file that already lists PGDG, if any. */
  findPgdgSource(): Promise<string | undefined>;
  /** Writes a file (creating its directory), as the runner user. */
  write(path: string, text: string): Promise<void>;
  /** Removes a file when present. */
  remove(path: string): Promise<void>;
}

/** Installs `postgresql-client-N` with apt (Debian, Ubuntu and derivatives). */
export class AptInstaller implements ClientInstaller<AptPlan> {
  readonly method = 'apt';
  readonly majors = majorsFrom(OLDEST_MAJOR);
  readonly triesNewer = true;

  constructor(
    private readonly host: Host,
    private readonly tools: InstallTools,
    private readonly files: AptFiles = systemAptFiles,
  ) {}

  /** The apt plan; throws for a major older than 10 (a newer one than LATEST_MAJOR is attempted). */
  plan(major: number): AptPlan {
    requireMajor(this, major);
    return planApt(major, this.host);
  }

  /** Returns the installed package's client, installing it (and PGDG when needed) first. */
  async install(major: number): Promise<PgClient> {
    const plan = this.plan(major);
    const present = await this.tools.probe(plan.binDir);
    if (present?.major === major) {
      core.info(`${plan.package} is already installed: ${plan.binDir}.`);
      return present;
    }
    core.info(plan.summary);
    const candidate = (await this.candidate(plan)) ?? (await this.addPgdg(plan));
    core.info(`Candidate ${candidate.version} from ${candidate.origin}.`);
    await this.installPackage(plan);
    return this.installed(plan);
  }

  private async candidate(plan: AptPlan): Promise<AptCandidate | undefined> {
    const candidate = parsePolicy(await this.tools.run(plan.policy, { quiet: true }));
    return isCandidateOf(candidate, plan.major) ? candidate : undefined;
  }

  /**
   * Adds PGDG (unless configured; beside a configured entry, a newer major's own component) and
   * updates those lists; an entry it added is removed again on failure.
   */
  private async addPgdg(plan: AptPlan): Promise<AptCandidate> {
    const pgdg = plan.pgdg;
    if (!pgdg) throw new ActionError(noPgdgMessage(plan, this.host));
    const existing = await this.files.findPgdgSource();
    if (existing) core.info(`PGDG is already configured in ${existing}.`);
    const added = existing ? pgdg.componentOnly : pgdg;
    if (added) await this.writePgdgSource(added);
    const updates = [existing && updateOneList(existing, this.host), added?.update];
    let failure: unknown;
    for (const update of updates.filter((u) => !!u))
      failure ??= await this.tools.run(update).then(
        () => undefined,
        (error: unknown) => error,
      );
    const candidate = await this.candidate(plan);
    if (candidate) return candidate;
    if (added) await this.tools.run(added.removeSources).catch(() => '');
    const where =
      pgdg.components.length > 1 ? `${pgdg.suite} (${pgdg.components.join(' ')})` : pgdg.suite;
    const why = failure
      ? `its package list (${where}) could not be fetched: ${describeError(failure)}`
      : `${where} has no ${plan.package}`;
    throw new ActionError(
      `Neither ${this.host.distro?.name ?? 'the distribution'} nor PGDG has ${plan.package}: ${why.replace(/\.?$/, '.')} Set pg-version to another major, or install a client before this step and set pg-bin-dir.`,
      { cause: failure },
    );
  }

  private async writePgdgSource(pgdg: PgdgPlan): Promise<void> {
    if (!(await this.files.exists(pgdg.keyring))) {
      await this.files.remove(pgdg.keyDownload);
      await this.tools.download(pgdg.keyUrl, pgdg.keyDownload);
      await this.tools.run(pgdg.installKey);
    }
    await this.files.write(pgdg.sourcesDraft, pgdg.sources);
    await this.tools.run(pgdg.installSources);
  }

  private async installPackage(plan: AptPlan): Promise<void> {
    try {
      await this.tools.run(plan.install);
    } catch (error) {
      core.info(`${describeError(error)} — updating every package list and trying once more.`);
      await this.tools.run(plan.updateAll);
      await this.tools.run(plan.install).catch((again: unknown) => {
        throw new ActionError(
          `Installing ${plan.package} failed: ${describeError(again)} Set pg-version to another major, or install a client before this step and set pg-bin-dir.`,
          { cause: again },
        );
      });
    }
  }

  private async installed(plan: AptPlan): Promise<PgClient> {
    const client = await this.tools.probe(plan.binDir);
    if (client?.major === plan.major) return client;
    throw new ActionError(
      `${plan.package} was installed but ${plan.binDir} holds no pg_dump ${plan.major}.`,
    );
  }
}

function noPgdgMessage(plan: AptPlan, host: Host): string {
  const why = host.distro?.codename
    ? `PGDG builds for ${Object.values(PGDG_ARCHES).join(', ')}, not ${host.arch}`
    : 'the distribution codename is unknown (/etc/os-release has no VERSION_CODENAME)';
  return `The distribution has no ${plan.package} and PGDG cannot be added: ${why}. Install a client before this step and set pg-bin-dir.`;
}

const systemAptFiles: AptFiles = {
  exists: (path) =>
    access(path).then(
      () => true,
      () => false,
    ),
  findPgdgSource,
  write: async (path, text) => {
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, text);
  },
  remove: (path) => rm(path, { force: true }),
};
