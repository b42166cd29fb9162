// The recovery document `<id>.recovery.md`: a page a person follows with stock tools alone, years
// later, without this action. Never a secret or a row of data: names, versions, counts and commands.
import type { ArchiveNeeds } from './archive-facts.js';
import type { Manifest } from './manifest.js';
import { manifestName } from './naming.js';
import {
  countStep,
  downloadStep,
  restoreSteps,
  type RecoveryLocation,
  type RecoveryStep,
} from './recovery-steps.js';

/** What the document is written from: the backup's manifest and what the run knows besides. */
export interface RecoveryFacts {
  manifest: Manifest;
  /** The extensions and roles the archive names; undefined without verification. */
  needs?: ArchiveNeeds;
  /** Every location the backup was written to. */
  locations: RecoveryLocation[];
  /** Tables whose rows row-level security may have hidden from the backup user. */
  rlsHidden?: string[];
}

/** The whole document, as Markdown. */
export function recoveryDocument(f: RecoveryFacts): string {
  const m = f.manifest;
  return [
    `# Recovery of backup ${m.id}`,
    'How to restore this backup with stock tools alone (no GitHub Action needed). Run the commands of each step in order, in an empty directory, in a POSIX shell; fill in the placeholders in angle brackets first (quote a value that has special characters).',
    ...section('What this backup is', whatItIs(m)),
    ...section('What a restore needs', needs(f)),
    ...section('What it does not contain', notContained(f)),
    '## Restore, step by step',
    ...steps(f).flatMap((s, i) => stepText(s, i + 1)),
  ]
    .join('\n\n')
    .concat('\n');
}

function section(title: string, items: string[]): string[] {
  return [`## ${title}`, items.map((i) => `- ${i}`).join('\n')];
}

function whatItIs(m: Manifest): string[] {
  const encryption =
    m.encryption.scheme === 'none'
      ? 'none'
      : m.encryption.passphrase
        ? 'age, with a passphrase'
        : `age, to the recipients ${(m.encryption.recipients ?? []).map((r) => `\`${r}\``).join(', ')}`;
  return [
    `Id: \`${m.id}\` (label \`${m.label}\`), created ${m.createdAt}, finished ${m.finishedAt}.`,
    `Database: \`${m.server.database}\` on PostgreSQL ${m.server.version}; dumped with pg_dump ${m.client.pgDumpVersion}.`,
    `Format: ${m.dump.format}; compression ${m.dump.compression}; encryption ${encryption}.`,
    `Data object: \`${m.object.key}\`, ${m.object.size} bytes, SHA-256 \`${m.object.sha256}\`; manifest: \`${manifestName(m.id)}\`.`,
    `Contents: ${m.tables.length} tables with ${m.totalRows} rows (${m.verification.archive === 'passed' ? 'counted when the archive was read back' : 'not counted: verify none'}).`,
  ];
}

function needs(f: RecoveryFacts): string[] {
  const m = f.manifest;
  const major = m.client.pgDumpVersion.split('.')[0];
  const list = (names: string[] | undefined, none: string) =>
    names === undefined
      ? 'not known (the archive was not read back)'
      : names.length
        ? names.map((n) => `\`${n}\``).join(', ')
        : none;
  return [
    `A PostgreSQL server of major ${m.server.version.split('.')[0]} or newer, and the pg_restore and psql of that server's own major, at least ${major} (the pg_dump that wrote it was ${m.client.pgDumpVersion}; pg_restore 17 and newer sends SET transaction_timeout, which servers before 17 reject).`,
    `Extensions the archive creates (installed on that server): ${list(f.needs?.extensions, 'none')}.`,
    `Roles its ownership and grants name (create them first, or restore with --no-owner --no-privileges): ${list(f.needs?.roles, 'none')}.`,
    ...(m.encryption.scheme === 'age'
      ? ['age (https://age-encryption.org) and the secret key or passphrase.']
      : []),
  ];
}

function notContained(f: RecoveryFacts): string[] {
  const m = f.manifest;
  return [
    m.globals
      ? `Roles and tablespaces are in \`${m.globals.key}\` (pg_dumpall --globals-only${m.globals.rolePasswords ? '' : ', without role passwords'}), not in the data object.`
      : 'Roles and tablespaces (pg_dumpall --globals-only): not backed up; the roles above must exist or be skipped.',
    'Other databases of the server: each database is its own backup with its own document.',
    f.rlsHidden?.length
      ? `Rows hidden by row-level security from the backup user may be missing: ${f.rlsHidden.map((t) => `\`${t}\``).join(', ')}.`
      : 'Rows that row-level security hid from the backup user (when it was not a superuser, owner or BYPASSRLS).',
  ];
}

function steps(f: RecoveryFacts): RecoveryStep[] {
  const [first, ...others] = f.locations.map((at) => downloadStep(f.manifest, at));
  const alternatives = others.map(
    (d) =>
      `Or, instead: ${d.title.replace(/^./, (c) => c.toLowerCase())}: ${d.commands.map((c) => `\`${c}\``).join(' then ')}.`,
  );
  const download = first && { ...first, text: [first.text, ...alternatives].join(' ') };
  const counts = countStep(f.manifest.tables);
  return [
    ...(download ? [download] : []),
    ...restoreSteps(f.manifest),
    ...(counts ? [counts] : []),
  ];
}

function stepText(s: RecoveryStep, n: number): string[] {
  return [`### ${n}. ${s.title}`, s.text, ['```sh', ...s.commands, '```'].join('\n')];
}
