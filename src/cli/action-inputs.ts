// Generated from action.yml by scripts/cli-inputs.mjs (npm run build): do not edit.
/* eslint-disable max-lines -- one entry per input of action.yml */

/** One input of action.yml. */
export interface ActionInput {
  /** The name, also the CLI option (--NAME). */
  name: string;
  /** What it means, as action.yml says. */
  description: string;
  /** action.yml's default ('' when none; a `${{ … }}` expression means nothing outside GitHub). */
  default: string;
}

/** Every input of action.yml, in its order. */
export const ACTION_INPUTS: readonly ActionInput[] = [
  {
    name: 'command',
    description: 'What to do: backup, restore, verify, prune or check.',
    default: 'backup',
  },
  {
    name: 'storage',
    description:
      'Storage locations, one per line: a directory (or file:///abs/path/), s3://bucket/prefix/, or artifact:// / artifact://NAME. Backup writes to all; other commands use the first.',
    default: 'artifact://',
  },
  {
    name: 'label',
    description:
      'Label that starts the backup id (<label>-<YYYYMMDDTHHMMSSZ>). Default: the database name of database-url.',
    default: '',
  },
  {
    name: 'pg-version',
    description:
      'PostgreSQL client major to use, or auto to match the server (exact major, else the lowest newer one).',
    default: 'auto',
  },
  {
    name: 'pg-bin-dir',
    description:
      'Use the client binaries in this directory and nothing else (no search, no install).',
    default: '',
  },
  {
    name: 'github-token',
    description: 'Token for reading artifacts of other runs.',
    default: '${{ github.token }}',
  },
  {
    name: 's3-endpoint',
    description: 'Custom S3 endpoint URL (R2, B2, MinIO, Spaces, ...).',
    default: '',
  },
  { name: 's3-region', description: 'S3 region. Default: from the AWS environment.', default: '' },
  {
    name: 's3-force-path-style',
    description: 'Use path-style S3 URLs (needed by MinIO and some providers).',
    default: 'false',
  },
  {
    name: 's3-storage-class',
    description: 'S3 storage class for the data object, e.g. STANDARD_IA.',
    default: '',
  },
  { name: 's3-sse', description: 'Server-side encryption: AES256 or aws:kms.', default: '' },
  { name: 's3-kms-key-id', description: 'KMS key id for s3-sse: aws:kms.', default: '' },
  {
    name: 's3-checksum',
    description:
      'S3 request checksums: auto, when-required or when-supported (auto = when-required for a custom endpoint).',
    default: 'auto',
  },
  {
    name: 'artifact-retention-days',
    description: 'Retention of backup artifacts in days, 1 to 90. Default: the repository setting.',
    default: '',
  },
  {
    name: 'webhook-url',
    description:
      'Optional URL (a secret) that receives a JSON message with a Slack-compatible text field when any command ends, on success and on failure.',
    default: '',
  },
  {
    name: 'database-url',
    description:
      'backup: postgresql://USER:PASSWORD@HOST:PORT/DATABASE?sslmode=... of the database to dump (a secret; percent-encode special characters).',
    default: '',
  },
  {
    name: 'format',
    description: 'backup: pg_dump format: custom, plain, directory or tar.',
    default: 'custom',
  },
  {
    name: 'compression',
    description:
      'backup: auto (zstd:3 with pg_dump 16+, else gzip:6), gzip[:1-9], lz4[:1-12], zstd[:1-22] or none (custom, directory: by pg_dump, lz4 and zstd need 16+; plain: gzip or zstd by the action; tar: none).',
    default: 'auto',
  },
  {
    name: 'jobs',
    description: 'backup: parallel dump jobs (directory format); restore: parallel restore jobs.',
    default: '',
  },
  {
    name: 'schemas',
    description: 'Schemas to include (newline or comma list of pg_dump patterns).',
    default: '',
  },
  { name: 'exclude-schemas', description: 'backup: schemas to exclude.', default: '' },
  {
    name: 'tables',
    description: 'Tables to include (newline or comma list of pg_dump patterns).',
    default: '',
  },
  { name: 'exclude-tables', description: 'backup: tables to exclude.', default: '' },
  {
    name: 'exclude-table-data',
    description: 'backup: tables whose data is left out (their definition is kept).',
    default: '',
  },
  { name: 'schema-only', description: 'Only the schema, no data.', default: 'false' },
  { name: 'data-only', description: 'Only the data, no schema.', default: 'false' },
  {
    name: 'extra-args',
    description:
      'backup: extra pg_dump options (split like a shell would, never run through one), e.g. --no-comments; options the action sets itself (--file, --format, --dbname, ...) are refused, naming the input to use.',
    default: '',
  },
  {
    name: 'lock-wait-timeout',
    description:
      "backup: fail instead of waiting for ever for a table lock, e.g. 5min (a duration: s, m or min, h, d, w, combinable; at most 24d, PostgreSQL's limit). restore: how long the restore waits for a lock on the target before it fails (5min when empty); while it waits, a line names the blocking process.",
    default: '',
  },
  {
    name: 'age-recipients',
    description: 'backup: age public keys (age1...), one per line: encrypt the backup to them.',
    default: '',
  },
  {
    name: 'age-passphrase',
    description: 'Passphrase to encrypt (backup) or decrypt (restore, verify) with age (a secret).',
    default: '',
  },
  {
    name: 'verify',
    description:
      'backup: archive (read the archive back while streaming and count rows per table) or none.',
    default: 'archive',
  },
  { name: 'labels', description: 'backup: key=value lines recorded in the manifest.', default: '' },
  {
    name: 'globals',
    description:
      'backup: also dump roles and tablespaces with pg_dumpall --globals-only into <id>.globals.sql (compressed and encrypted like a plain dump), without role passwords when the user cannot read pg_authid (managed providers). With several databases: once, with the first backup.',
    default: 'false',
  },
  {
    name: 'databases',
    description:
      'backup: empty = the database of database-url; all = every database the user may connect to except templates; or a newline/comma list. Each database is its own backup, labelled with its name (label must be empty); one failure fails the step after the others finished.',
    default: '',
  },
  {
    name: 'exclude-databases',
    description:
      'backup: databases left out of databases (e.g. postgres, rdsadmin, azure_maintenance); newline or comma list.',
    default: '',
  },
  {
    name: 'anomaly',
    description:
      'backup: what a comparison with the previous backup of the label does when rows dropped, a table was emptied or removed, or the database is empty: warn (flag it and hold retention of the label), fail (also fail the step after the backup is stored), accept (the change was intended: record the flags and end any hold) or off (compare nothing).',
    default: 'warn',
  },
  {
    name: 'anomaly-row-drop',
    description:
      'backup: flag the backup (anomaly rows-dropped) when its total rows fell by more than this percentage since the previous backup of the label.',
    default: '50',
  },
  {
    name: 's3-object-lock-mode',
    description:
      'backup: write every object of a backup (data, globals, recovery document, manifest) to S3 with this Object Lock mode, GOVERNANCE or COMPLIANCE (empty = none; the bucket must have Object Lock enabled). Needs s3-object-lock-days.',
    default: '',
  },
  {
    name: 's3-object-lock-days',
    description:
      "backup: with s3-object-lock-mode, the retain-until date of every object is the backup's createdAt plus this many days; until then no credential can delete it, and prune keeps it (output locked).",
    default: '',
  },
  {
    name: 'keep-last',
    description:
      'Retention (prune; backup after a successful run, at every location, same label): keep the N newest backups. Empty = rule not used; no keep-* set = nothing is ever deleted.',
    default: '',
  },
  {
    name: 'keep-daily',
    description:
      'Retention: keep the newest backup of each of the last N days (UTC) that have backups.',
    default: '',
  },
  {
    name: 'keep-weekly',
    description:
      'Retention: keep the newest backup of each of the last N ISO weeks (Monday first, UTC) that have backups.',
    default: '',
  },
  {
    name: 'keep-monthly',
    description:
      'Retention: keep the newest backup of each of the last N calendar months (UTC) that have backups.',
    default: '',
  },
  {
    name: 'keep-yearly',
    description:
      'Retention: keep the newest backup of each of the last N calendar years (UTC) that have backups.',
    default: '',
  },
  {
    name: 'keep-within',
    description:
      'Retention: keep backups created within this duration of the newest one (inclusive); units s, m or min (minutes), h, d, w, mo (calendar months), y, combinable, e.g. 30d, 12h, 1d12h, 6mo, 1y.',
    default: '',
  },
  {
    name: 'target-database-url',
    description:
      'restore/verify: the database to restore into (a secret). Restore never writes to database-url.',
    default: '',
  },
  {
    name: 'backup',
    description:
      'restore/verify: latest, a backup id, or an ISO-8601 time (the newest backup at or before it).',
    default: 'latest',
  },
  {
    name: 'artifact-run-id',
    description: 'restore/verify: the workflow run whose artifacts hold the backup.',
    default: '',
  },
  {
    name: 'artifact-repository',
    description: 'restore/verify: owner/repo of artifact-run-id. Default: this repository.',
    default: '',
  },
  {
    name: 'age-identity',
    description: 'restore/verify: age secret key (AGE-SECRET-KEY-1...) to decrypt with (a secret).',
    default: '',
  },
  {
    name: 'no-owner',
    description:
      "restore, verify: leave object ownership out. auto (default) keeps the archive's owners when every owner role exists on the target and the restoring user may act as it, else leaves them out and names the roles; true or false force it.",
    default: 'auto',
  },
  {
    name: 'no-privileges',
    description:
      'restore, verify: leave privileges (GRANT/REVOKE) out. auto (default) keeps them when every role they name exists on the target, else leaves them out and names the roles; true or false force it.',
    default: 'auto',
  },
  {
    name: 'create-database',
    description: 'restore: create the target database when it does not exist.',
    default: 'true',
  },
  {
    name: 'overwrite',
    description:
      'restore: allow restoring into a database that has user tables (drops the objects in the archive first; needs confirm).',
    default: 'false',
  },
  {
    name: 'confirm',
    description: 'restore: must equal the target database name when overwrite is true.',
    default: '',
  },
  {
    name: 'restore-globals',
    description:
      "restore: first create the roles and tablespaces of the backup (made with globals: true); a role that exists is kept exactly as it is and reported, nothing is dropped or altered, PostgreSQL's pg_* roles, the connecting user, and a provider's roles (rds_*, cloudsql*, supabase_*, azure_*) on that provider's own server are skipped; elsewhere (a move to self-hosted PostgreSQL) provider roles are created.",
    default: 'false',
  },
  {
    name: 'dry-run',
    description: 'prune: compute and report the same pruned and kept ids, delete nothing.',
    default: 'false',
  },
  {
    name: 'max-age',
    description:
      'check: fail when the newest backup finished longer ago than this (measured from its finishedAt), e.g. 26h, 90m, 2d, 1w or 1mo (units s, m or min, h, d, w, mo, y, combinable as 1d12h). At least one of max-age, size-tolerance and max-unverified-age is needed.',
    default: '',
  },
  {
    name: 'size-tolerance',
    description:
      'check: fail when the newest backup is smaller or larger than the previous one by more than this percentage, e.g. 50 (empty = not checked; skipped when only one backup exists).',
    default: '',
  },
  {
    name: 'max-unverified-age',
    description:
      'check: fail when no backup of the label has a verification record (written by a passed verify) newer than this, e.g. 8d or 1mo (empty = not checked).',
    default: '',
  },
  {
    name: 'post-restore-sql',
    description:
      'restore and the verify drill: SQL text, or @path of a file in the workspace, run inside the restore transaction after the data is in and the row counts are taken, before COMMIT (e.g. masking personal data in a staging copy); a failure rolls the whole restore back.',
    default: '',
  },
  {
    name: 'assert-sql',
    description:
      'verify: your own checks of the restore drill, one query a line; each must return one row whose first column is true (e.g. select count(*) > 1000 from orders), else the verify fails naming it.',
    default: '',
  },
];
