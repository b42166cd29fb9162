// The commands of a recovery document, in order, for one backup's storage, format, compression and
// encryption: stock tools only (aws, gh, cp, sha256sum, age, gzip, zstd, tar, pg_restore, psql).
import type { TableRows } from './archive-facts.js';
import type { Manifest } from './manifest.js';
import { manifestName, plainName } from './naming.js';

/** Where a copy of the backup is, as the document's download step needs it (no credential). */
export type RecoveryLocation =
  | { kind: 'local'; directory: string }
  | { kind: 's3'; bucket: string; prefix: string; endpoint?: string; region?: string }
  | { kind: 'artifact'; name: string; runId?: string; repository?: string };

/** One step: a heading, a sentence, and the shell lines (a fenced `sh` block). */
export interface RecoveryStep {
  title: string;
  text: string;
  commands: string[];
}

/** The placeholders a reader fills in before running the commands. */
export const PLACEHOLDERS = {
  target: '<TARGET_DATABASE_URL>',
  identity: '<AGE_IDENTITY_FILE>',
} as const;

/** A word for a POSIX shell, single-quoted. */
export function shellQuote(word: string): string {
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

/** The download step of one location: the data object and the manifest into the current directory. */
export function downloadStep(m: Manifest, at: RecoveryLocation): RecoveryStep {
  const files = [m.object.key, manifestName(m.id)];
  if (at.kind === 'local') {
    const paths = files.map((f) => shellQuote(`${at.directory.replace(/\/$/, '')}/${f}`));
    return step(`Copy from ${at.directory}`, 'A copy of the files, into the current directory.', [
      `cp ${paths.join(' ')} .`,
    ]);
  }
  if (at.kind === 's3') {
    const options = [
      ...(at.endpoint ? [`--endpoint-url ${shellQuote(at.endpoint)}`] : []),
      ...(at.region ? [`--region ${shellQuote(at.region)}`] : []),
    ].join(' ');
    const aws = options ? `aws ${options} s3 cp` : 'aws s3 cp';
    const where = `s3://${at.bucket}/${at.prefix}`;
    return step(
      `Download from ${where}`,
      'With credentials that may read the bucket (the AWS CLI reads them from the environment or a profile).',
      files.map((f) => `${aws} ${shellQuote(`${where}${f}`)} .`),
    );
  }
  const run = at.runId ?? '<RUN_ID>';
  const repo = at.repository ? ` --repo ${shellQuote(at.repository)}` : '';
  return step(
    `Download the artifacts of run ${run}`,
    'With the GitHub CLI, logged in to an account that may read the repository; each file is an artifact named after it.',
    files.map(
      (f) => `gh run download ${run}${repo} --name ${shellQuote(`${at.name}${f}`)} --dir .`,
    ),
  );
}

/** Checksum, decryption, decompression and restore, in that order. */
export function restoreSteps(m: Manifest): RecoveryStep[] {
  const key = m.object.key;
  const checksum = step(
    'Check the SHA-256',
    'It must print OK: the bytes are the ones the backup stored.',
    [`echo ${shellQuote(`${m.object.sha256}  ${key}`)} | sha256sum -c -`],
  );
  return [checksum, ...decryptStep(m), ...unpackStep(m), restoreStep(m)];
}

function decryptStep(m: Manifest): RecoveryStep[] {
  if (m.encryption.scheme !== 'age') return [];
  const key = m.object.key;
  const out = `-o ${shellQuote(plainName(key))} ${shellQuote(key)}`;
  if (m.encryption.passphrase)
    return [step('Decrypt', 'age asks for the passphrase.', [`age -d ${out}`])];
  return [
    step(
      'Decrypt',
      `\`${PLACEHOLDERS.identity}\` is a file holding the secret key (AGE-SECRET-KEY-1...) of one of the recipients above.`,
      [`age -d -i ${PLACEHOLDERS.identity} ${out}`],
    ),
  ];
}

function unpackStep(m: Manifest): RecoveryStep[] {
  const file = shellQuote(plainName(m.object.key));
  if (m.dump.format === 'directory')
    return [
      step('Unpack', `The directory-format archive is the directory ${m.id}.`, [`tar -xf ${file}`]),
    ];
  if (m.dump.format !== 'plain' || m.dump.compression === 'none') return [];
  const tool = m.dump.compression.startsWith('zstd') ? 'zstd -d -q' : 'gzip -d';
  return [step('Decompress', `This leaves ${m.id}.sql.`, [`${tool} ${file}`])];
}

/** The restoring command: psql for a plain dump, pg_restore for the others. */
function restoreStep(m: Manifest): RecoveryStep {
  const target = `--dbname ${PLACEHOLDERS.target}`;
  const text = `\`${PLACEHOLDERS.target}\` is a connection URL (postgresql://USER@HOST:PORT/DATABASE) of an empty database you created (e.g. createdb restored); the password as libpq takes it (PGPASSWORD or ~/.pgpass). If the roles listed above do not exist there, add --no-owner --no-privileges.`;
  if (m.dump.format === 'plain')
    return step('Restore', text.replace(/add --no-owner --no-privileges/, 'create them first'), [
      `psql --no-psqlrc --set ON_ERROR_STOP=1 --single-transaction ${target} --file ${shellQuote(`${m.id}.sql`)}`,
    ]);
  const archive = m.dump.format === 'directory' ? m.id : plainName(m.object.key);
  return step('Restore', text, [
    `pg_restore --exit-on-error --single-transaction ${target} ${shellQuote(archive)}`,
  ]);
}

/** Counts the restored rows of every table the manifest lists and compares them with it. */
export function countStep(tables: TableRows[]): RecoveryStep | undefined {
  if (!tables.length) return undefined;
  const name = (t: TableRows) => `${t.schema}.${t.name}`;
  const ident = (s: string) => `"${s.replace(/"/g, '""')}"`;
  const literal = (s: string) => `'${s.replace(/'/g, "''")}'`;
  const selects = tables.map(
    (t, i) =>
      `${i ? 'UNION ALL ' : ''}SELECT ${literal(name(t))}, count(*) FROM ONLY ${ident(t.schema)}.${ident(t.name)}`,
  );
  return step(
    'Compare the row counts with the manifest',
    'diff prints nothing and the last line says they match when every table has the rows the backup counted.',
    [
      "cat > expected-counts.txt <<'COUNTS'",
      ...tables.map((t) => `${name(t)}|${t.rows}`),
      'COUNTS',
      `psql --no-psqlrc --set ON_ERROR_STOP=1 -At --dbname ${PLACEHOLDERS.target} > restored-counts.txt <<'SQL'`,
      ...selects,
      'SQL',
      "diff expected-counts.txt restored-counts.txt && echo 'Row counts match the manifest.'",
    ],
  );
}

function step(title: string, text: string, commands: string[]): RecoveryStep {
  return { title, text, commands };
}
