import { join } from 'node:path';
import * as core from '@actions/core';
import { ActionError, describeError } from '../../errors.js';
import type { Command } from './command.js';
import type { Host } from './host.js';
import {
  type ClientInstaller,
  type InstallTools,
  majorsFrom,
  OLDEST_MAJOR,
  requireMajor,
  type PgClient,
} from './installer.js';

/** Majors whose `postgresql@N` formula homebrew-core has disabled (`disable!`) or deprecated (`deprecate!`). */
export const HOMEBREW_STATUS: Readonly<Record<number, { disabled: boolean; note: string }>> = {
  10: { disabled: true, note: 'removed from Homebrew (end of life)' },
  11: { disabled: true, note: 'disabled by Homebrew (end of life)' },
  12: { disabled: true, note: 'disabled by Homebrew (end of life)' },
  13: { disabled: true, note: 'disabled by Homebrew since 2026-03-01 (end of life)' },
  14: {
    disabled: false,
    note: 'deprecated by Homebrew since 2025-11-12, to be disabled from 2026-11-12',
  },
};

/** Quiet, fast `brew install`: no auto-update, no cleanup, no dependents check, no hints. */
const BREW_ENV = {
  HOMEBREW_NO_AUTO_UPDATE: '1',
  HOMEBREW_NO_INSTALL_CLEANUP: '1',
  HOMEBREW_NO_INSTALLED_DEPENDENTS_CHECK: '1',
  HOMEBREW_NO_ENV_HINTS: '1',
};

/** What the Homebrew installer does for one major. */
export interface HomebrewPlan {
  /** Discriminator. */
  method: 'homebrew';
  /** The major installed. */
  major: number;
  /** `postgresql@N` (keg-only, so never on PATH by itself). */
  formula: string;
  /** Where the formula's pg_dump will be: `<prefix>/opt/postgresql@N/bin`. */
  binDir: string;
  /** `brew install`, skipping the post-install initdb a client does not need. */
  install: Command;
  /** `brew update`, run once before a retry when the first install fails (an old formula list). */
  update: Command;
  /** Prints the formula's prefix after the install. */
  prefix: Command;
  /** Homebrew's deprecation note for the formula, when it has one. */
  warning?: string;
  /** One line for the log. */
  summary: string;
}

/** The Homebrew prefix: HOMEBREW_PREFIX, else /opt/homebrew on Apple silicon and /usr/local on Intel. */
export function homebrewPrefix(host: Pick<Host, 'arch' | 'env'>): string {
  return host.env.HOMEBREW_PREFIX || (host.arch === 'arm64' ? '/opt/homebrew' : '/usr/local');
}

/** The Homebrew steps for a major. */
export function planHomebrew(major: number, host: Pick<Host, 'arch' | 'env'>): HomebrewPlan {
  const formula = `postgresql@${major}`;
  const warning = HOMEBREW_STATUS[major]?.note;
  return {
    method: 'homebrew',
    major,
    formula,
    binDir: join(homebrewPrefix(host), 'opt', formula, 'bin'),
    install: { argv: ['brew', 'install', '--skip-post-install', formula], env: BREW_ENV },
    update: { argv: ['brew', 'update', '--quiet'] },
    prefix: { argv: ['brew', '--prefix', formula], env: BREW_ENV },
    warning,
    summary: `brew install ${formula}${warning ? ` (${warning})` : ''}`,
  };
}

/** Installs `postgresql@N` with Homebrew (macOS). */
export class HomebrewInstaller implements ClientInstaller<HomebrewPlan> {
  readonly method = 'Homebrew';
  readonly majors = majorsFrom(OLDEST_MAJOR).filter((m) => !HOMEBREW_STATUS[m]?.disabled);
  readonly triesNewer = true;

  constructor(
    private readonly host: Host,
    private readonly tools: InstallTools,
  ) {}

  /** The Homebrew plan; throws for a disabled formula (a major newer than LATEST_MAJOR is attempted). */
  plan(major: number): HomebrewPlan {
    const status = HOMEBREW_STATUS[major];
    requireMajor(this, major, status?.disabled ? `postgresql@${major} is ${status.note}.` : '');
    return planHomebrew(major, this.host);
  }

  /** Returns the formula's client, installing it first. */
  async install(major: number): Promise<PgClient> {
    const plan = this.plan(major);
    const present = await this.tools.probe(plan.binDir);
    if (present?.major === major) return present;
    if (plan.warning) core.warning(`${plan.formula} is ${plan.warning}.`);
    core.info(plan.summary);
    await this.installFormula(plan);
    const prefix = (await this.tools.run(plan.prefix, { quiet: true })).trim();
    const client = await this.tools.probe(join(prefix || join(plan.binDir, '..'), 'bin'));
    if (client?.major === major) return client;
    throw new ActionError(
      `brew installed ${plan.formula} but ${prefix}/bin holds no pg_dump ${major}.`,
    );
  }

  private async installFormula(plan: HomebrewPlan): Promise<void> {
    try {
      await this.tools.run(plan.install);
    } catch (error) {
      core.info(`${describeError(error)} — running brew update and trying once more.`);
      await this.tools.run(plan.update);
      await this.tools.run(plan.install).catch((again: unknown) => {
        const note = plan.warning ? ` ${plan.formula} is ${plan.warning}.` : '';
        throw new ActionError(
          `brew install ${plan.formula} failed: ${describeError(again)}${note} Set pg-version to a newer major, or pg-bin-dir.`,
          { cause: again },
        );
      });
    }
  }
}
