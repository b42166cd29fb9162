// Table tests of every installer's plan: commands, URLs, keyrings, sudo vs root, PGDG suites, and
// the requests no installer can meet. Pure: nothing here runs a process or touches the network.
import { describe, expect, it } from '@jest/globals';
import {
  AptInstaller,
  type AptPlan,
  isCandidateOf,
  parsePolicy,
  planApt,
} from '../../../../src/postgres/install/apt.js';
import { ArchiveInstaller, planArchive } from '../../../../src/postgres/install/archive.js';
import { describeCommand, privileged } from '../../../../src/postgres/install/command.js';
import { EDB_BUILDS, edbReleases, edbUrl } from '../../../../src/postgres/install/edb.js';
import { createInstaller } from '../../../../src/postgres/install/factory.js';
import {
  HomebrewInstaller,
  homebrewPrefix,
  planHomebrew,
} from '../../../../src/postgres/install/homebrew.js';
import { type Host, parseOsRelease, usesApt } from '../../../../src/postgres/install/host.js';
import {
  chooseInstallMajor,
  type InstallTools,
  LATEST_MAJOR,
  toolVersion,
} from '../../../../src/postgres/install/installer.js';
import {
  listsPgdg,
  PGDG_KEY_URL,
  PGDG_KEYRING,
  PGDG_SOURCES_FILE,
  pgdgSources,
} from '../../../../src/postgres/install/pgdg.js';
import { thrown } from '../../../helpers/unit-support.js';

const OS_RELEASE = {
  bookworm: 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nID=debian\nVERSION_CODENAME=bookworm\n',
  trixie: 'PRETTY_NAME="Debian GNU/Linux 13 (trixie)"\nID=debian\nVERSION_CODENAME=trixie\n',
  jammy:
    'PRETTY_NAME="Ubuntu 22.04.5 LTS"\nID=ubuntu\nID_LIKE=debian\nVERSION_CODENAME=jammy\nUBUNTU_CODENAME=jammy\n',
  noble:
    'PRETTY_NAME="Ubuntu 24.04.3 LTS"\nID=ubuntu\nID_LIKE=debian\nVERSION_CODENAME=noble\nUBUNTU_CODENAME=noble\n',
  mint: 'PRETTY_NAME="Linux Mint 21.3"\nID=linuxmint\nID_LIKE="ubuntu debian"\nVERSION_CODENAME=virginia\nUBUNTU_CODENAME=jammy\n',
  fedora: 'PRETTY_NAME="Fedora Linux 41 (Workstation Edition)"\nID=fedora\nVERSION_ID=41\n',
  alpine: 'NAME="Alpine Linux"\nID=alpine\nPRETTY_NAME="Alpine Linux v3.21"\n',
};

function host(over: Partial<Host> & { release?: keyof typeof OS_RELEASE } = {}): Host {
  const { release = 'bookworm', ...rest } = over;
  return {
    platform: 'linux',
    arch: 'x64',
    isRoot: true,
    distro: parseOsRelease(OS_RELEASE[release]),
    tempDir: '/runner/temp',
    env: {},
    ...rest,
  };
}

const NO_TOOLS: InstallTools = {
  run: () => Promise.reject(new Error('no commands in plan tests')),
  probe: () => Promise.resolve(undefined),
  download: () => Promise.reject(new Error('no downloads in plan tests')),
};

const argv = (plan: AptPlan) => ({
  install: plan.install.argv,
  update: plan.pgdg?.update.argv,
  installKey: plan.pgdg?.installKey.argv,
});

describe('parseOsRelease', () => {
  it.each([
    ['bookworm', 'debian', [], 'bookworm', true],
    ['trixie', 'debian', [], 'trixie', true],
    ['jammy', 'ubuntu', ['debian'], 'jammy', true],
    ['noble', 'ubuntu', ['debian'], 'noble', true],
    ['mint', 'linuxmint', ['ubuntu', 'debian'], 'jammy', true],
    ['fedora', 'fedora', [], '', false],
    ['alpine', 'alpine', [], '', false],
  ] as const)('%s: id %s, like %j, codename %j, apt %s', (name, id, like, codename, apt) => {
    const distro = parseOsRelease(OS_RELEASE[name]);
    expect(distro).toMatchObject({ id, like, codename });
    expect(usesApt(distro)).toBe(apt);
  });

  it('returns undefined without an ID', () => {
    expect(parseOsRelease('')).toBeUndefined();
    expect(usesApt(undefined)).toBe(false);
  });
});

describe('planApt', () => {
  const suffix = ['-o', 'Dir::Etc::sourceparts=-', '-o', 'APT::Get::List-Cleanup=0'];
  const errorMode = ['-o', 'APT::Update::Error-Mode=any'];
  const installArgs = ['apt-get', 'install', '-y', '-q', '--no-install-recommends'];
  const sudo = ['sudo', '-n', 'DEBIAN_FRONTEND=noninteractive'];

  it.each([
    ['Debian 12 as root', host(), 17, 'bookworm-pgdg', []],
    ['Debian 13 as root', host({ release: 'trixie' }), 18, 'trixie-pgdg', []],
    ['Ubuntu 22.04 with sudo', host({ release: 'jammy', isRoot: false }), 16, 'jammy-pgdg', sudo],
    [
      'Ubuntu 24.04 arm64 with sudo',
      host({ release: 'noble', isRoot: false, arch: 'arm64' }),
      18,
      'noble-pgdg',
      sudo,
    ],
    ['Linux Mint (Ubuntu base)', host({ release: 'mint' }), 15, 'jammy-pgdg', []],
  ] as const)('%s', (_name, h, major, suite, prefix) => {
    const plan = planApt(major, h);
    const pkg = `postgresql-client-${major}`;
    expect(plan).toMatchObject({
      method: 'apt',
      major,
      package: pkg,
      binDir: `/usr/lib/postgresql/${major}/bin`,
    });
    expect(plan.policy).toEqual({ argv: ['apt-cache', 'policy', pkg], env: { LC_ALL: 'C' } });
    expect(argv(plan)).toEqual({
      install: [...prefix, ...installArgs, pkg],
      update: [
        ...prefix,
        ...['apt-get', 'update', '-q', '-o', `Dir::Etc::sourcelist=${PGDG_SOURCES_FILE}`],
        ...suffix,
        ...errorMode,
      ],
      installKey: [
        ...(prefix.length ? ['sudo', '-n'] : []),
        ...[
          'install',
          '-D',
          '-m',
          '0644',
          '/runner/temp/pgdg/apt.postgresql.org.asc',
          PGDG_KEYRING,
        ],
      ],
    });
    expect(plan.updateAll.argv).toEqual([...prefix, 'apt-get', 'update', '-q']);
    expect(plan.pgdg?.removeSources.argv).toEqual([
      ...(prefix.length ? ['sudo', '-n'] : []),
      ...['rm', '-f', PGDG_SOURCES_FILE],
    ]);
    expect(plan.pgdg).toMatchObject({
      suite,
      keyUrl: PGDG_KEY_URL,
      keyring: '/usr/share/postgresql-common/pgdg/apt.postgresql.org.asc',
      sourcesFile: '/etc/apt/sources.list.d/pgdg.sources',
      sources: pgdgSources(suite, PGDG_KEYRING),
    });
    expect(plan.pgdg?.sources).toContain(`Suites: ${suite}\n`);
  });

  it.each([
    [19, host(), 'bookworm-pgdg', []],
    [20, host({ release: 'noble', isRoot: false }), 'noble-pgdg', ['sudo', '-n']],
  ] as const)(
    "a major newer than it knows, %i: PGDG main and the major's own component",
    (major, h, suite, sudo) => {
      const plan = planApt(major, h);
      expect(plan).toMatchObject({
        package: `postgresql-client-${major}`,
        binDir: `/usr/lib/postgresql/${major}/bin`,
      });
      expect(plan.summary).toContain(`PGDG (${suite}, components main ${major})`);
      expect(plan.pgdg).toMatchObject({
        suite,
        components: ['main', String(major)],
        sourcesFile: PGDG_SOURCES_FILE,
        sources: pgdgSources(suite, PGDG_KEYRING, ['main', String(major)]),
      });
      expect(plan.pgdg?.sources).toContain(`Components: main ${major}\n`);
      const own = `/etc/apt/sources.list.d/pgdg-${major}.sources`;
      expect(plan.pgdg?.componentOnly).toMatchObject({
        components: [String(major)],
        sourcesFile: own,
        sourcesDraft: `/runner/temp/pgdg/pgdg-${major}.sources`,
      });
      expect(plan.pgdg?.componentOnly?.sources).toContain(`Components: ${major}\n`);
      expect(plan.pgdg?.componentOnly?.update.argv).toContain(`Dir::Etc::sourcelist=${own}`);
      expect(plan.pgdg?.componentOnly?.removeSources.argv).toEqual([...sudo, 'rm', '-f', own]);
      expect(new AptInstaller(h, NO_TOOLS).plan(major).package).toBe(`postgresql-client-${major}`);
    },
  );

  it('gives a major it knows PGDG main alone', () => {
    const plan = planApt(18, host());
    expect(plan.pgdg?.components).toEqual(['main']);
    expect(plan.pgdg?.componentOnly).toBeUndefined();
    expect(plan.summary).toContain('PGDG (bookworm-pgdg, component main)');
  });

  it('passes DEBIAN_FRONTEND as the environment when root, on the sudo command line otherwise', () => {
    expect(planApt(17, host()).install.env).toEqual({ DEBIAN_FRONTEND: 'noninteractive' });
    expect(planApt(17, host({ isRoot: false })).install.env).toBeUndefined();
  });

  it('writes the PGDG entry in deb822 with the signed-by keyring', () => {
    expect(pgdgSources('noble-pgdg', PGDG_KEYRING)).toBe(
      'Types: deb\nURIs: https://apt.postgresql.org/pub/repos/apt\nSuites: noble-pgdg\n' +
        'Components: main\nSigned-By: /usr/share/postgresql-common/pgdg/apt.postgresql.org.asc\n',
    );
  });

  it.each([
    ['an architecture PGDG does not build', host({ arch: 'riscv64' })],
    ['no codename', host({ distro: { id: 'debian', like: [], codename: '', name: 'Debian' } })],
  ])('has no PGDG part for %s (the distribution may still have the package)', (_why, h) => {
    const plan = planApt(17, h);
    expect(plan.pgdg).toBeUndefined();
    expect(plan.install.argv.at(-1)).toBe('postgresql-client-17');
  });
});

describe('apt-cache policy', () => {
  const DEBIAN = `postgresql-client-15:
  Installed: 15.18-0+deb12u1
  Candidate: 15.20-0+deb12u1
  Version table:
     15.20-0+deb12u1 500
        500 http://deb.debian.org/debian-security bookworm-security/main amd64 Packages
 *** 15.18-0+deb12u1 500
        500 http://deb.debian.org/debian bookworm/main amd64 Packages
        100 /var/lib/dpkg/status
`;
  const PGDG = `postgresql-client-17:
  Installed: (none)
  Candidate: 17.6-1.pgdg24.04+1
  Version table:
     17.6-1.pgdg24.04+1 500
        500 https://apt.postgresql.org/pub/repos/apt noble-pgdg/main amd64 Packages
`;
  const NONE =
    'postgresql-client-17:\n  Installed: (none)\n  Candidate: (none)\n  Version table:\n';

  it.each([
    [
      'Debian archive',
      DEBIAN,
      {
        version: '15.20-0+deb12u1',
        origin: 'http://deb.debian.org/debian-security bookworm-security/main',
      },
    ],
    [
      'PGDG',
      PGDG,
      {
        version: '17.6-1.pgdg24.04+1',
        origin: 'https://apt.postgresql.org/pub/repos/apt noble-pgdg/main',
      },
    ],
    ['no candidate', NONE, undefined],
    ['unknown package (empty output)', '', undefined],
  ])('reads the candidate from %s', (_name, text, expected) => {
    expect(parsePolicy(text)).toEqual(expected);
  });

  it.each([
    ['15.20-0+deb12u1', 15, true],
    ['15.20-0+deb12u1', 1, false],
    ['17.6-1.pgdg24.04+1', 17, true],
    ['18~rc1-1.pgdg120+1', 18, true],
    ['1:16.4-1', 16, true],
    ['16.4-1', 17, false],
  ])('%s is a candidate of %i: %s', (version, major, expected) => {
    expect(isCandidateOf({ version, origin: '' }, major)).toBe(expected);
  });

  it.each([
    ['deb [signed-by=/k.asc] https://apt.postgresql.org/pub/repos/apt noble-pgdg main', true],
    ['URIs: https://apt.postgresql.org/pub/repos/apt\nSuites: bookworm-pgdg', true],
    ['deb http://apt-archive.postgresql.org/pub/repos/apt focal-pgdg-archive main', true],
    ['# deb https://apt.postgresql.org/pub/repos/apt jammy-pgdg main', false],
    ['deb http://deb.debian.org/debian bookworm main', false],
  ])('recognises a PGDG sources entry: %j → %s', (text, expected) => {
    expect(listsPgdg(text)).toBe(expected);
  });
});

describe('planHomebrew', () => {
  const env = {
    HOMEBREW_NO_AUTO_UPDATE: '1',
    HOMEBREW_NO_INSTALL_CLEANUP: '1',
    HOMEBREW_NO_INSTALLED_DEPENDENTS_CHECK: '1',
    HOMEBREW_NO_ENV_HINTS: '1',
  };

  it.each([
    ['Apple silicon', { arch: 'arm64', env: {} }, 17, '/opt/homebrew/opt/postgresql@17/bin'],
    ['Intel', { arch: 'x64', env: {} }, 18, '/usr/local/opt/postgresql@18/bin'],
    [
      'HOMEBREW_PREFIX',
      { arch: 'arm64', env: { HOMEBREW_PREFIX: '/custom/brew' } },
      16,
      '/custom/brew/opt/postgresql@16/bin',
    ],
  ])('%s', (_name, h, major, binDir) => {
    const plan = planHomebrew(major, h);
    expect(plan).toMatchObject({
      method: 'homebrew',
      major,
      formula: `postgresql@${major}`,
      binDir,
    });
    expect(plan.install).toEqual({
      argv: ['brew', 'install', '--skip-post-install', `postgresql@${major}`],
      env,
    });
    expect(plan.update.argv).toEqual(['brew', 'update', '--quiet']);
    expect(plan.prefix.argv).toEqual(['brew', '--prefix', `postgresql@${major}`]);
    expect(plan.warning).toBeUndefined();
    expect(homebrewPrefix(h)).toBe(binDir.replace(/\/opt\/postgresql@\d+\/bin$/, ''));
  });

  it.each([19, 20])('attempts postgresql@%i, newer than it knows', (major) => {
    const brew = new HomebrewInstaller(host({ platform: 'darwin', arch: 'arm64' }), NO_TOOLS);
    expect(brew.plan(major)).toMatchObject({
      formula: `postgresql@${major}`,
      binDir: `/opt/homebrew/opt/postgresql@${major}/bin`,
      summary: `brew install postgresql@${major}`,
    });
  });

  it('carries the deprecation note of postgresql@14', () => {
    expect(planHomebrew(14, { arch: 'arm64', env: {} }).warning).toMatch(/deprecated.*2025-11-12/);
  });

  it.each([
    [13, /postgresql@13 is disabled by Homebrew since 2026-03-01/],
    [12, /postgresql@12 is disabled by Homebrew/],
    [10, /postgresql@10 is removed from Homebrew/],
  ])('refuses disabled postgresql@%i and lists the installable majors', (major, why) => {
    const brew = new HomebrewInstaller(host({ platform: 'darwin', arch: 'arm64' }), NO_TOOLS);
    const error = thrown(() => brew.plan(major));
    expect(error.message).toMatch(why);
    expect(error.message).toContain('Installable here with Homebrew: 14, 15, 16, 17, 18');
  });
});

describe('EDB binaries (Windows)', () => {
  const windows = (arch: string) => host({ platform: 'win32', arch, distro: undefined });

  it.each(['x64', 'arm64'])('Windows %s downloads the x64 zip and caches it as x64', (arch) => {
    const edb = createInstaller(windows(arch), NO_TOOLS);
    expect(edb).toBeInstanceOf(ArchiveInstaller);
    expect(edb.method).toBe('EDB binaries');
    expect(edb.majors).toEqual([13, 14, 15, 16, 17, 18]);
    expect(edb.plan(18)).toMatchObject({
      method: 'archive',
      major: 18,
      version: '18.6',
      url: 'https://get.enterprisedb.com/postgresql/postgresql-18.6-1-windows-x64-binaries.zip',
      sha256: 'fbe23da234ee31547bf8a36d29dfd81e82b849df2d2b78d2eecb43d360252f8c',
      format: 'zip',
      root: 'pgsql',
      trim: expect.arrayContaining(['pgAdmin 4', 'doc', 'StackBuilder']),
      cacheVersion: '18.6.0',
      arch: 'x64',
    });
  });

  it.each(EDB_BUILDS.map((b) => [b.major, b] as const))(
    'pins %i to one exact zip and a SHA-256',
    (major, build) => {
      expect(build.version.split('.')[0]).toBe(String(major));
      expect(build.sha256).toMatch(/^[0-9a-f]{64}$/);
      expect(edbUrl(build)).toBe(
        `https://get.enterprisedb.com/postgresql/postgresql-${build.version}-${build.build}-windows-x64-binaries.zip`,
      );
    },
  );

  it('fails closed for a release without a pinned SHA-256', () => {
    const [release] = edbReleases([{ major: 18, version: '18.9', build: 1, sha256: undefined }]);
    if (!release) throw new Error('no release');
    expect(thrown(() => planArchive(release, 'EDB binaries')).message).toMatch(
      /No SHA-256 is pinned for .*postgresql-18\.9-1-windows-x64-binaries\.zip.*refusing.*pg-bin-dir/,
    );
  });

  it.each([19, 20])(
    'installs %i when its listing has a pinned build, and refuses it when not',
    (major) => {
      const build = { major, version: `${major}.1`, build: 1, sha256: 'a'.repeat(64) };
      const listed = new ArchiveInstaller(
        'EDB binaries',
        edbReleases([...EDB_BUILDS, build]),
        windows('x64'),
        NO_TOOLS,
      );
      expect(chooseInstallMajor(listed, major, 'auto')).toBe(major);
      expect(listed.plan(major)).toMatchObject({
        url: `https://get.enterprisedb.com/postgresql/postgresql-${major}.1-1-windows-x64-binaries.zip`,
        cacheVersion: `${major}.1.0`,
      });
      const error = thrown(() => createInstaller(windows('x64'), NO_TOOLS).plan(major));
      expect(error.message).toMatch(
        new RegExp(
          `PostgreSQL ${major} is newer than the newest major this release knows \\(18\\), and EDB binaries has no build of it here\\. Installable here with EDB binaries: 13, 14, 15, 16, 17, 18`,
        ),
      );
    },
  );

  it('lists the majors it has when asked for another', () => {
    const error = thrown(() => createInstaller(windows('x64'), NO_TOOLS).plan(12));
    expect(error.message).toMatch(/cannot be installed here.*EDB binaries: 13, 14, 15, 16, 17, 18/);
  });
});

describe('createInstaller', () => {
  it.each([
    ['Debian 12', 'apt', host()],
    ['Ubuntu 24.04 arm64', 'apt', host({ release: 'noble', arch: 'arm64', isRoot: false })],
    ['macOS arm64', 'Homebrew', host({ platform: 'darwin', arch: 'arm64', distro: undefined })],
    ['macOS x64', 'Homebrew', host({ platform: 'darwin', arch: 'x64', distro: undefined })],
    ['Windows x64', 'EDB binaries', host({ platform: 'win32', arch: 'x64', distro: undefined })],
  ])('%s → %s', (_name, method, h) => {
    expect(createInstaller(h, NO_TOOLS).method).toBe(method);
  });

  it.each([
    ['Fedora', host({ release: 'fedora' }), /Fedora Linux 41.*\(x64\)/],
    ['Alpine', host({ release: 'alpine', arch: 'arm64' }), /Alpine Linux v3\.21 \(arm64\)/],
    [
      'Windows 32-bit',
      host({ platform: 'win32', arch: 'ia32', distro: undefined }),
      /win32 \(ia32\)/,
    ],
    ['FreeBSD', host({ platform: 'freebsd', distro: undefined }), /freebsd \(x64\)/],
  ])('refuses %s, naming it and what is supported', (_name, h, named) => {
    const error = thrown(() => createInstaller(h, NO_TOOLS));
    expect(error.message).toMatch(named);
    expect(error.message).toMatch(/Debian and Ubuntu.*Homebrew.*Windows x64 or arm64.*pg-bin-dir/);
  });
});

describe('impossible requests', () => {
  const apt = createInstaller(host(), NO_TOOLS);
  const brew = createInstaller(host({ platform: 'darwin', arch: 'arm64' }), NO_TOOLS);
  const edb = createInstaller(host({ platform: 'win32', arch: 'x64' }), NO_TOOLS);

  it('knows 18 as the newest major', () => expect(LATEST_MAJOR).toBe(18));

  it.each([
    ['a 19 server with apt', apt, 19, 'auto', 19],
    ['a 20 server with apt', apt, 20, 'auto', 20],
    ['pg-version 19 with apt', apt, 17, 19, 19],
    ['a 19 server with Homebrew', brew, 19, 'auto', 19],
    ['pg-version 20 with Homebrew', brew, 18, 20, 20],
  ] as const)(
    'attempts a major newer than it knows: %s',
    (_n, installer, server, pgVersion, major) => {
      expect(chooseInstallMajor(installer, server, pgVersion)).toBe(major);
    },
  );

  it.each([
    [
      edb,
      19,
      'auto',
      /PostgreSQL 19 is newer than the newest major this release knows \(18\), and EDB binaries has no build of it here\./,
    ],
    [
      edb,
      17,
      20,
      /PostgreSQL 20 is newer than the newest major this release knows \(18\), and EDB binaries/,
    ],
  ] as const)(
    'EDB binaries without a build of a newer major say so (case %#)',
    (installer, server, pgVersion, why) => {
      const error = thrown(() => chooseInstallMajor(installer, server, pgVersion));
      expect(error.message).toMatch(why);
      expect(error.message).toContain('Installable here with EDB binaries: 13, 14, 15, 16, 17, 18');
    },
  );

  it.each([
    ['pg-version older than 10', apt, 9, 9, /PostgreSQL 9 is older than 10/],
    [
      'a disabled Homebrew formula',
      brew,
      13,
      13,
      /A PostgreSQL 13 client cannot be installed here/,
    ],
    ['a major EDB does not build', edb, 11, 11, /A PostgreSQL 11 client cannot be installed here/],
  ] as const)('%s', (_name, installer, serverMajor, pgVersion, why) => {
    const error = thrown(() => chooseInstallMajor(installer, serverMajor, pgVersion));
    expect(error.message).toMatch(why);
    expect(error.message).toMatch(/Installable here with \S+( \S+)?: (1\d, )+18/);
  });

  it.each([
    ['the server major with apt', apt, 15, 'auto', 15],
    ['the requested major with apt', apt, 15, 17, 17],
    ['the lowest installable newer major on Homebrew', brew, 12, 'auto', 14],
    ['the lowest installable newer major on Windows', edb, 10, 'auto', 13],
  ] as const)('installs %s', (_name, installer, serverMajor, pgVersion, expected) => {
    expect(chooseInstallMajor(installer, serverMajor, pgVersion)).toBe(expected);
  });

  it.each([9, 5])('apt refuses to plan %i', (major) => {
    expect(() => apt.plan(major)).toThrow(/Installable here with apt: 10, 11/);
  });
});

describe('small helpers', () => {
  it.each([
    ['18.1', '18.1.0'],
    ['16.4', '16.4.0'],
    ['17.0', '17.0.0'],
  ])('toolVersion(%s) = %s', (version, expected) => expect(toolVersion(version)).toBe(expected));

  it('runs privileged commands with sudo -n unless root', () => {
    expect(privileged(['apt-get', 'update'], { isRoot: true })).toEqual({
      argv: ['apt-get', 'update'],
    });
    expect(privileged(['apt-get', 'update'], { isRoot: false }, { A: '1' })).toEqual({
      argv: ['sudo', '-n', 'A=1', 'apt-get', 'update'],
    });
  });

  it('describes a command line with quotes where needed', () => {
    expect(describeCommand({ argv: ['tar', '-C', '/a b', '-x'] })).toBe("tar -C '/a b' -x");
  });
});
