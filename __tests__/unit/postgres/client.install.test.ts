// The installers' and installClient's decisions, with fake commands and files: which commands run
// in which order, what is retried, what the errors say, and how the install is timed.
import { describe, expect, it } from '@jest/globals';
import { ActionError } from '../../../src/errors.js';
import { installClient } from '../../../src/postgres/client.js';
import { type PgClient } from '../../../src/postgres/install/installer.js';
import { AptInstaller, type AptFiles } from '../../../src/postgres/install/apt.js';
import type { Command } from '../../../src/postgres/install/command.js';
import { HomebrewInstaller } from '../../../src/postgres/install/homebrew.js';
import { type Host, parseOsRelease } from '../../../src/postgres/install/host.js';
import type { ClientInstaller, InstallTools } from '../../../src/postgres/install/installer.js';
import { PGDG_KEYRING } from '../../../src/postgres/install/pgdg.js';

const BOOKWORM = parseOsRelease('ID=debian\nVERSION_CODENAME=bookworm\nPRETTY_NAME="Debian 12"\n');

function host(over: Partial<Host> = {}): Host {
  return {
    platform: 'linux',
    arch: 'x64',
    isRoot: true,
    distro: BOOKWORM,
    tempDir: '/t',
    env: {},
    ...over,
  };
}

const client = (major: number, binDir = `/usr/lib/postgresql/${major}/bin`): PgClient => ({
  binDir,
  version: `${major}.2`,
  major,
});

/** Fake tools: commands answer from `replies` (a function of the command line), probes from `installed`. */
function fakeTools(
  replies: (line: string, nth: number) => string | Error = () => '',
  installed = new Map<string, PgClient>(),
) {
  const log: string[] = [];
  const tools: InstallTools = {
    run: (command: Command) => {
      const line = command.argv.join(' ');
      log.push(line);
      const reply = replies(line, log.filter((l) => l === line).length);
      return reply instanceof Error ? Promise.reject(reply) : Promise.resolve(reply);
    },
    probe: (dir) => Promise.resolve(installed.get(dir)),
    download: (url, dest) => {
      log.push(`download ${url} ${dest}`);
      return Promise.resolve(dest);
    },
  };
  return { tools, log, installed };
}

function fakeFiles(existing: string[] = [], pgdgSource?: string) {
  const written = new Map<string, string>();
  const files: AptFiles = {
    exists: (p) => Promise.resolve(existing.includes(p)),
    findPgdgSource: () => Promise.resolve(pgdgSource),
    write: (p, text) => Promise.resolve(void written.set(p, text)),
    remove: () => Promise.resolve(),
  };
  return { files, written };
}

const POLICY_NONE = 'postgresql-client-17:\n  Installed: (none)\n  Candidate: (none)\n';
const POLICY_DEBIAN = `postgresql-client-15:
  Candidate: 15.20-0+deb12u1
  Version table:
     15.20-0+deb12u1 500
        500 http://deb.debian.org/debian-security bookworm-security/main amd64 Packages
`;
const policyPgdg = (major: number) => `postgresql-client-${major}:
  Candidate: ${major}.6-1.pgdg120+1
  Version table:
     ${major}.6-1.pgdg120+1 500
        500 https://apt.postgresql.org/pub/repos/apt bookworm-pgdg/main amd64 Packages
`;
const UPDATE_PGDG =
  'apt-get update -q -o Dir::Etc::sourcelist=/etc/apt/sources.list.d/pgdg.sources -o Dir::Etc::sourceparts=- -o APT::Get::List-Cleanup=0 -o APT::Update::Error-Mode=any';
const INSTALL = (major: number) =>
  `apt-get install -y -q --no-install-recommends postgresql-client-${major}`;

/**
 * An apt machine: `apt-cache policy` shows `before` until a list was updated, then `after`;
 * `apt-get install` fails `installFailures` times, then installs the package; `update` may fail.
 */
function aptMachine(
  major: number,
  opts: { before?: string; after?: string; installFailures?: number; updateFails?: boolean } = {},
) {
  const { before = POLICY_NONE, after = policyPgdg(major), installFailures = 0 } = opts;
  let updated = false;
  const fake = fakeTools((line, nth) => {
    if (line.startsWith('apt-cache')) return updated ? after : before;
    if (line.includes('apt-get update')) {
      updated = true;
      if (opts.updateFails && line.includes('Dir::Etc::sourcelist'))
        return new Error('E: Failed to fetch … Could not resolve apt.postgresql.org');
    }
    if (line.includes('apt-get install')) {
      if (nth <= installFailures)
        return new Error(`E: Unable to locate package postgresql-client-${major}`);
      fake.installed.set(`/usr/lib/postgresql/${major}/bin`, client(major));
    }
    return '';
  });
  return fake;
}

describe('AptInstaller.install', () => {
  it('returns an installed package without running apt', async () => {
    const { tools, log } = fakeTools(
      undefined,
      new Map([['/usr/lib/postgresql/15/bin', client(15)]]),
    );
    await expect(new AptInstaller(host(), tools, fakeFiles().files).install(15)).resolves.toEqual(
      client(15),
    );
    expect(log).toEqual([]);
  });

  it("installs the distribution's package when its candidate has the major", async () => {
    const { tools, log } = aptMachine(15, { before: POLICY_DEBIAN });
    await new AptInstaller(host(), tools, fakeFiles().files).install(15);
    expect(log).toEqual(['apt-cache policy postgresql-client-15', INSTALL(15)]);
  });

  it('adds PGDG (key, sources, one-list update) when the distribution lacks the major', async () => {
    const { tools, log } = aptMachine(17);
    const { files, written } = fakeFiles();
    await new AptInstaller(host({ isRoot: false }), tools, files).install(17);
    const sudo = 'sudo -n DEBIAN_FRONTEND=noninteractive';
    expect(log).toEqual([
      'apt-cache policy postgresql-client-17',
      'download https://www.postgresql.org/media/keys/ACCC4CF8.asc /t/pgdg/apt.postgresql.org.asc',
      `sudo -n install -D -m 0644 /t/pgdg/apt.postgresql.org.asc ${PGDG_KEYRING}`,
      'sudo -n install -D -m 0644 /t/pgdg/pgdg.sources /etc/apt/sources.list.d/pgdg.sources',
      `${sudo} ${UPDATE_PGDG}`,
      'apt-cache policy postgresql-client-17',
      `${sudo} ${INSTALL(17)}`,
    ]);
    expect(written.get('/t/pgdg/pgdg.sources')).toContain('Suites: bookworm-pgdg');
  });

  it('uses the keyring postgresql-common ships, and an existing PGDG entry as it is', async () => {
    const { tools, log } = aptMachine(17);
    const { files } = fakeFiles([PGDG_KEYRING], '/etc/apt/sources.list.d/pgdg.list');
    await new AptInstaller(host(), tools, files).install(17);
    expect(log).toEqual([
      'apt-cache policy postgresql-client-17',
      UPDATE_PGDG.replace('pgdg.sources', 'pgdg.list'),
      'apt-cache policy postgresql-client-17',
      INSTALL(17),
    ]);
  });

  it('skips the key download when the keyring exists but still writes the sources entry', async () => {
    const { tools, log } = aptMachine(17);
    await new AptInstaller(host(), tools, fakeFiles([PGDG_KEYRING]).files).install(17);
    expect(log.some((l) => l.startsWith('download'))).toBe(false);
    expect(log).toContain(
      'install -D -m 0644 /t/pgdg/pgdg.sources /etc/apt/sources.list.d/pgdg.sources',
    );
  });

  it('updates every list once and retries when the install fails (stale lists)', async () => {
    const { tools, log } = aptMachine(15, { before: POLICY_DEBIAN, installFailures: 1 });
    await new AptInstaller(host(), tools, fakeFiles().files).install(15);
    expect(log.slice(1)).toEqual([INSTALL(15), 'apt-get update -q', INSTALL(15)]);
  });

  it('fails with what to do when the retry fails too', async () => {
    const { tools } = aptMachine(15, { before: POLICY_DEBIAN, installFailures: 2 });
    const install = new AptInstaller(host(), tools, fakeFiles().files).install(15);
    await expect(install).rejects.toThrow(
      /Installing postgresql-client-15 failed: .*Unable to locate package.*pg-bin-dir/,
    );
  });

  it('says why PGDG cannot help on an architecture it does not build', async () => {
    const { tools } = aptMachine(17);
    const install = new AptInstaller(host({ arch: 'riscv64' }), tools, fakeFiles().files).install(
      17,
    );
    await expect(install).rejects.toThrow(
      /no postgresql-client-17.*PGDG builds for amd64.*riscv64/,
    );
  });

  it('removes the PGDG entry it added when the list cannot be fetched, naming the suite', async () => {
    const { tools, log } = aptMachine(17, { after: POLICY_NONE, updateFails: true });
    const install = new AptInstaller(host(), tools, fakeFiles([PGDG_KEYRING]).files).install(17);
    await expect(install).rejects.toThrow(
      /Neither Debian 12 nor PGDG has postgresql-client-17: its package list \(bookworm-pgdg\) could not be fetched: .*Could not resolve.*pg-bin-dir/,
    );
    expect(log.slice(-3)).toEqual([
      UPDATE_PGDG,
      'apt-cache policy postgresql-client-17',
      'rm -f /etc/apt/sources.list.d/pgdg.sources',
    ]);
  });

  it('says so when PGDG has no such package for the suite', async () => {
    const { tools, log } = aptMachine(12, { after: POLICY_NONE });
    const install = new AptInstaller(host(), tools, fakeFiles([PGDG_KEYRING]).files).install(12);
    await expect(install).rejects.toThrow(
      /bookworm-pgdg has no postgresql-client-12\. Set pg-version/,
    );
    expect(log.at(-1)).toBe('rm -f /etc/apt/sources.list.d/pgdg.sources');
  });

  it('goes on when an existing entry fails to update but PGDG has the package', async () => {
    const { tools, log } = aptMachine(17, { updateFails: true });
    const files = fakeFiles([PGDG_KEYRING], '/etc/apt/sources.list.d/pgdg.list').files;
    await expect(new AptInstaller(host(), tools, files).install(17)).resolves.toMatchObject({
      major: 17,
    });
    expect(log.some((l) => l.startsWith('rm'))).toBe(false);
  });

  it('leaves an existing PGDG entry alone when it does not help', async () => {
    const { tools, log } = aptMachine(17, { after: POLICY_NONE, updateFails: true });
    const files = fakeFiles([PGDG_KEYRING], '/etc/apt/sources.list.d/pgdg.list').files;
    await expect(new AptInstaller(host(), tools, files).install(17)).rejects.toThrow(
      /could not be fetched/,
    );
    expect(log.some((l) => l.startsWith('rm'))).toBe(false);
  });
});

describe('AptInstaller.install of a major newer than it knows (19, 20)', () => {
  const UPDATE_OWN = (major: number) =>
    UPDATE_PGDG.replace('pgdg.sources', `pgdg-${major}.sources`);

  it.each([19, 20])(
    'adds PGDG with main and %i, and installs postgresql-client-N',
    async (major) => {
      const { tools, log } = aptMachine(major);
      const { files, written } = fakeFiles([PGDG_KEYRING]);
      await expect(new AptInstaller(host(), tools, files).install(major)).resolves.toMatchObject({
        major,
      });
      expect(written.get('/t/pgdg/pgdg.sources')).toContain(`Components: main ${major}\n`);
      expect(log).toEqual([
        `apt-cache policy postgresql-client-${major}`,
        'install -D -m 0644 /t/pgdg/pgdg.sources /etc/apt/sources.list.d/pgdg.sources',
        UPDATE_PGDG,
        `apt-cache policy postgresql-client-${major}`,
        INSTALL(major),
      ]);
    },
  );

  it("beside an existing PGDG entry, adds the major's component alone and updates both lists", async () => {
    const { tools, log } = aptMachine(19);
    const { files, written } = fakeFiles([PGDG_KEYRING], '/etc/apt/sources.list.d/pgdg.list');
    await new AptInstaller(host(), tools, files).install(19);
    expect(written.get('/t/pgdg/pgdg-19.sources')).toContain('Components: 19\n');
    expect(log).toEqual([
      'apt-cache policy postgresql-client-19',
      'install -D -m 0644 /t/pgdg/pgdg-19.sources /etc/apt/sources.list.d/pgdg-19.sources',
      UPDATE_PGDG.replace('pgdg.sources', 'pgdg.list'),
      UPDATE_OWN(19),
      'apt-cache policy postgresql-client-19',
      INSTALL(19),
    ]);
  });

  it('fails naming the package, the suite and the components tried, and removes what it added', async () => {
    const { tools, log } = aptMachine(20, { after: POLICY_NONE });
    const install = new AptInstaller(host(), tools, fakeFiles([PGDG_KEYRING]).files).install(20);
    await expect(install).rejects.toThrow(
      'Neither Debian 12 nor PGDG has postgresql-client-20: bookworm-pgdg (main 20) has no postgresql-client-20. Set pg-version to another major, or install a client before this step and set pg-bin-dir.',
    );
    expect(log.at(-1)).toBe('rm -f /etc/apt/sources.list.d/pgdg.sources');
  });

  it('installClient: a 19 server with apt, when none has it, says what was found and tried', async () => {
    const { tools } = aptMachine(19, { after: POLICY_NONE });
    const installer = new AptInstaller(host(), tools, fakeFiles([PGDG_KEYRING]).files);
    const error = await installClient({ pgVersion: 'auto' }, 19, [client(18, '/pg18/bin')], {
      installer: () => Promise.resolve(installer),
      now: Date.now,
    }).catch((e: unknown) => e as Error);
    expect(error).toBeInstanceOf(ActionError);
    expect((error as Error).message).toBe(
      'No pg_dump of major 19 or newer was found (found: 18.2 (/pg18/bin)), and installing one failed: Neither Debian 12 nor PGDG has postgresql-client-19: bookworm-pgdg (main 19) has no postgresql-client-19. Set pg-version to another major, or install a client before this step and set pg-bin-dir.',
    );
  });
});

describe('HomebrewInstaller.install', () => {
  const mac = host({ platform: 'darwin', arch: 'arm64', distro: undefined, isRoot: false });

  it('installs the formula and finds pg_dump under brew --prefix', async () => {
    const { tools, log, installed } = fakeTools((line) => {
      if (line.startsWith('brew install'))
        installed.set('/opt/homebrew/Cellar/postgresql@17/17.2/bin', client(17, '/x'));
      return line.startsWith('brew --prefix') ? '/opt/homebrew/Cellar/postgresql@17/17.2\n' : '';
    });
    await expect(new HomebrewInstaller(mac, tools).install(17)).resolves.toMatchObject({
      major: 17,
    });
    expect(log).toEqual([
      'brew install --skip-post-install postgresql@17',
      'brew --prefix postgresql@17',
    ]);
  });

  it('runs brew update and retries once when the first install fails', async () => {
    const { tools, log, installed } = fakeTools((line, nth) => {
      if (line.startsWith('brew install') && nth === 1) return new Error('No available formula');
      if (line.startsWith('brew install'))
        installed.set('/opt/homebrew/opt/postgresql@18/bin', client(18));
      return line.startsWith('brew --prefix') ? '/opt/homebrew/opt/postgresql@18' : '';
    });
    await new HomebrewInstaller(mac, tools).install(18);
    expect(log).toEqual([
      'brew install --skip-post-install postgresql@18',
      'brew update --quiet',
      'brew install --skip-post-install postgresql@18',
      'brew --prefix postgresql@18',
    ]);
  });

  it('mentions the deprecation when a deprecated formula fails', async () => {
    const { tools } = fakeTools((line) =>
      line.startsWith('brew install') ? new Error('postgresql@14 has been disabled') : '',
    );
    await expect(new HomebrewInstaller(mac, tools).install(14)).rejects.toThrow(
      /postgresql@14 is deprecated by Homebrew.*Set pg-version to a newer major/,
    );
  });
});

describe('installClient', () => {
  function fakeInstaller(major: number, fail?: Error) {
    const calls: number[] = [];
    const installer: ClientInstaller = {
      method: 'fake',
      majors: [14, 15, 16, 17, 18],
      plan: () => {
        throw new Error('not used');
      },
      install: (m) => {
        calls.push(m);
        return fail ? Promise.reject(fail) : Promise.resolve(client(major, `/cache/${m}/bin`));
      },
    };
    return { installer, calls };
  }

  function clock(...times: number[]) {
    return () => times.shift() ?? 0;
  }

  it('installs the server major and reports the seconds it took', async () => {
    const { installer, calls } = fakeInstaller(17);
    const chosen = await installClient({ pgVersion: 'auto' }, 17, [], {
      installer: () => Promise.resolve(installer),
      now: clock(1_000, 13_345),
    });
    expect(calls).toEqual([17]);
    expect(chosen).toEqual({ ...client(17, '/cache/17/bin'), installSeconds: 12.3 });
  });

  it('installs pg-version when given', async () => {
    const { installer, calls } = fakeInstaller(18);
    await installClient({ pgVersion: 18 }, 16, [], {
      installer: () => Promise.resolve(installer),
      now: clock(0, 0),
    });
    expect(calls).toEqual([18]);
  });

  it('refuses a pg-version older than the server before looking for an installer', async () => {
    let asked = false;
    const install = installClient({ pgVersion: 15 }, 17, [], {
      installer: () => {
        asked = true;
        return Promise.reject(new Error('unused'));
      },
      now: Date.now,
    });
    await expect(install).rejects.toThrow(
      /pg-version 15 is older than the server \(17\).*Set pg-version to 17 or newer, or to auto/,
    );
    expect(asked).toBe(false);
  });

  it('says what was found and why installing failed, as one ActionError', async () => {
    const { installer } = fakeInstaller(0, new ActionError('brew exploded.'));
    const error = await installClient({ pgVersion: 'auto' }, 17, [client(15, '/pg15/bin')], {
      installer: () => Promise.resolve(installer),
      now: Date.now,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ActionError);
    expect((error as Error).message).toBe(
      'No pg_dump of major 17 or newer was found (found: 15.2 (/pg15/bin)), and installing one failed: brew exploded.',
    );
  });

  it('lists the possible majors for an impossible request', async () => {
    const { installer, calls } = fakeInstaller(19);
    const install = installClient({ pgVersion: 19 }, 17, [], {
      installer: () => Promise.resolve(installer),
      now: Date.now,
    });
    await expect(install).rejects.toThrow(
      /PostgreSQL 19 is newer than the newest major this release knows \(18\), and fake has no build of it here\. Installable here with fake: 14, 15, 16, 17, 18/,
    );
    expect(calls).toEqual([]);
  });

  it('passes on an unsupported machine’s error', async () => {
    const install = installClient({ pgVersion: 'auto' }, 17, [], {
      installer: () => Promise.reject(new ActionError('cannot be installed automatically on X.')),
      now: Date.now,
    });
    await expect(install).rejects.toThrow(
      /installing one failed: cannot be installed automatically on X\./,
    );
  });
});
