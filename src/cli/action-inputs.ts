// Generated from action.yml by scripts/cli-inputs.mjs (npm run build): do not edit.

/** One input of action.yml. */
export interface ActionInput {
  /** The name, also the CLI option (--NAME). */
  name: string;
  /** What it means, as action.yml says. */
  description: string;
  /** action.yml's default ('' when none; a `${{ … }}` expression means nothing outside GitHub). */
  default: string;
}

/** Every input of action.yml, in its order, one a line: name, default, description. */
// prettier-ignore
const ROWS: readonly (readonly [string, string, string])[] = [
  ["command","backup","What to do: backup, restore, verify, prune or check."],
  ["storage","artifact://","Storage locations, one per line: a directory (or file:///abs/path/), s3://bucket/prefix/, or artifact:// / artifact://NAME. Backup writes to all; other commands use the first."],
  ["label","","Label that starts the backup id (<label>-<YYYYMMDDTHHMMSSZ>). Default: the database name of database-url."],
  ["pg-version","auto","PostgreSQL client major to use, or auto to match the server (exact major, else the lowest newer one)."],
  ["pg-bin-dir","","Use the client binaries in this directory and nothing else (no search, no install)."],
  ["github-token","${{ github.token }}","Token for reading artifacts of other runs."],
  ["s3-endpoint","","Custom S3 endpoint URL (R2, B2, MinIO, Spaces, ...)."],
  ["s3-region","","S3 region. Default: from the AWS environment."],
  ["s3-force-path-style","false","Use path-style S3 URLs (needed by MinIO and some providers)."],
  ["s3-storage-class","","S3 storage class for the data object, e.g. STANDARD_IA."],
  ["s3-sse","","Server-side encryption: AES256 or aws:kms."],
  ["s3-kms-key-id","","KMS key id for s3-sse: aws:kms."],
  ["s3-checksum","auto","S3 request checksums: auto, when-required or when-supported (auto = when-required for a custom endpoint)."],
  ["artifact-retention-days","","Retention of backup artifacts in days, 1 to 90. Default: the repository setting."],
  ["webhook-url","","Optional URL (a secret) that receives a JSON message with a Slack-compatible text field when any command ends, on success and on failure."],
  ["database-url","","backup: postgresql://USER:PASSWORD@HOST:PORT/DATABASE?sslmode=... of the database to dump (a secret; percent-encode special characters)."],
  ["format","custom","backup: pg_dump format: custom, plain, directory or tar."],
  ["compression","auto","backup: auto (zstd:3 with pg_dump 16+, else gzip:6), gzip[:1-9], lz4[:1-12], zstd[:1-22] or none (custom, directory: by pg_dump, lz4 and zstd need 16+; plain: gzip or zstd by the action; tar: none)."],
  ["jobs","","backup: parallel dump jobs (directory format); restore: parallel restore jobs."],
  ["schemas","","Schemas to include (newline or comma list of pg_dump patterns)."],
  ["exclude-schemas","","backup: schemas to exclude."],
  ["tables","","Tables to include (newline or comma list of pg_dump patterns)."],
  ["exclude-tables","","backup: tables to exclude."],
  ["exclude-table-data","","backup: tables whose data is left out (their definition is kept)."],
  ["schema-only","false","Only the schema, no data."],
  ["data-only","false","Only the data, no schema."],
  ["extra-args","","backup: extra pg_dump options (split like a shell would, never run through one), e.g. --no-comments; options the action sets itself (--file, --format, --dbname, ...) are refused, naming the input to use."],
  ["lock-wait-timeout","","backup: fail instead of waiting for ever for a table lock, e.g. 5min (a duration: s, m or min, h, d, w, combinable; at most 24d, PostgreSQL's limit). restore: how long the restore waits for a lock on the target before it fails (5min when empty); while it waits, a line names the blocking process."],
  ["age-recipients","","backup: age public keys (age1...), one per line: encrypt the backup to them."],
  ["age-passphrase","","Passphrase to encrypt (backup) or decrypt (restore, verify) with age (a secret)."],
  ["verify","archive","backup: archive (read the archive back while streaming and count rows per table) or none."],
  ["labels","","backup: key=value lines recorded in the manifest."],
  ["globals","false","backup: also dump roles and tablespaces with pg_dumpall --globals-only into <id>.globals.sql (compressed and encrypted like a plain dump), without role passwords when the user cannot read pg_authid (managed providers). With several databases: once, with the first backup."],
  ["databases","","backup: empty = the database of database-url; all = every database the user may connect to except templates; or a newline/comma list. Each database is its own backup, labelled with its name (label must be empty); one failure fails the step after the others finished."],
  ["exclude-databases","","backup: databases left out of databases (e.g. postgres, rdsadmin, azure_maintenance); newline or comma list."],
  ["anomaly","warn","backup: what a comparison with the previous backup of the label does when rows dropped, a table was emptied or removed, or the database is empty: warn (flag it and hold retention of the label), fail (also fail the step after the backup is stored), accept (the change was intended: record the flags and end any hold) or off (compare nothing)."],
  ["anomaly-row-drop","50","backup: flag the backup (anomaly rows-dropped) when its total rows fell by more than this percentage since the previous backup of the label."],
  ["s3-object-lock-mode","","backup: write every object of a backup (data, globals, recovery document, manifest) to S3 with this Object Lock mode, GOVERNANCE or COMPLIANCE (empty = none; the bucket must have Object Lock enabled). Needs s3-object-lock-days."],
  ["s3-object-lock-days","","backup: with s3-object-lock-mode, the retain-until date of every object is the backup's createdAt plus this many days; until then no credential can delete it, and prune keeps it (output locked)."],
  ["keep-last","","Retention (prune; backup after a successful run, at every location, same label): keep the N newest backups. Empty = rule not used; no keep-* set = nothing is ever deleted."],
  ["keep-daily","","Retention: keep the newest backup of each of the last N days (UTC) that have backups."],
  ["keep-weekly","","Retention: keep the newest backup of each of the last N ISO weeks (Monday first, UTC) that have backups."],
  ["keep-monthly","","Retention: keep the newest backup of each of the last N calendar months (UTC) that have backups."],
  ["keep-yearly","","Retention: keep the newest backup of each of the last N calendar years (UTC) that have backups."],
  ["keep-within","","Retention: keep backups created within this duration of the newest one (inclusive); units s, m or min (minutes), h, d, w, mo (calendar months), y, combinable, e.g. 30d, 12h, 1d12h, 6mo, 1y."],
  ["target-database-url","","restore/verify: the database to restore into (a secret). Restore never writes to database-url."],
  ["backup","latest","restore/verify: latest, a backup id, or an ISO-8601 time (the newest backup at or before it)."],
  ["artifact-run-id","","restore/verify: the workflow run whose artifacts hold the backup."],
  ["artifact-repository","","restore/verify: owner/repo of artifact-run-id. Default: this repository."],
  ["age-identity","","restore/verify: age secret key (AGE-SECRET-KEY-1...) to decrypt with (a secret)."],
  ["no-owner","auto","restore, verify: leave object ownership out. auto (default) keeps the archive's owners when every owner role exists on the target and the restoring user may act as it, else leaves them out and names the roles; true or false force it."],
  ["no-privileges","auto","restore, verify: leave privileges (GRANT/REVOKE) out. auto (default) keeps them when every role they name exists on the target, else leaves them out and names the roles; true or false force it."],
  ["create-database","true","restore: create the target database when it does not exist."],
  ["overwrite","false","restore: allow restoring into a database that has user tables (drops the objects in the archive first; needs confirm)."],
  ["confirm","","restore: must equal the target database name when overwrite is true."],
  ["restore-globals","false","restore: first create the roles and tablespaces of the backup (made with globals: true); a role that exists is kept exactly as it is and reported, nothing is dropped or altered, PostgreSQL's pg_* roles, the connecting user, and a provider's roles (rds_*, cloudsql*, supabase_*, azure_*) on that provider's own server are skipped; elsewhere (a move to self-hosted PostgreSQL) provider roles are created."],
  ["dry-run","false","prune: compute and report the same pruned and kept ids, delete nothing."],
  ["max-age","","check: fail when the newest backup finished longer ago than this (measured from its finishedAt), e.g. 26h, 90m, 2d, 1w or 1mo (units s, m or min, h, d, w, mo, y, combinable as 1d12h). At least one of max-age, size-tolerance and max-unverified-age is needed."],
  ["size-tolerance","","check: fail when the newest backup is smaller or larger than the previous one by more than this percentage, e.g. 50 (empty = not checked; skipped when only one backup exists)."],
  ["max-unverified-age","","check: fail when no backup of the label has a verification record (written by a passed verify) newer than this, e.g. 8d or 1mo (empty = not checked)."],
  ["post-restore-sql","","restore and the verify drill: SQL text, or @path of a file in the workspace, run inside the restore transaction after the data is in and the row counts are taken, before COMMIT (e.g. masking personal data in a staging copy); a failure rolls the whole restore back."],
  ["assert-sql","","verify: your own checks of the restore drill, one query a line; each must return one row whose first column is true (e.g. select count(*) > 1000 from orders), else the verify fails naming it."],
];

/** Every input of action.yml, in its order. */
export const ACTION_INPUTS: readonly ActionInput[] = ROWS.map(([name, value, description]) => ({
  name,
  description,
  default: value,
}));
