/**
 * What to do about the PostgreSQL errors users of managed providers meet most, appended to the
 * server's own message (which stays whole, with its DETAIL and HINT).
 */
const ADVICE: [RegExp, (m: RegExpMatchArray) => string][] = [
  [
    /out of shared memory/,
    () =>
      "The restore's one transaction ran out of lock table slots: raise the server's max_locks_per_transaction (and restart it), restore into a new database with jobs: 2, or restore the schemas in parts.",
  ],
  [
    /canceling statement due to lock timeout/,
    () =>
      'Another session held a lock on an object the restore changes for longer than lock-wait-timeout (the log names it): end it or wait until it is done, or raise lock-wait-timeout.',
  ],
  [
    /query would be affected by row-level security policy for table "([^"]+)"/,
    (m) =>
      `The backup user cannot read every row of ${m[1]} (row-level security): give it BYPASSRLS (ALTER ROLE <user> BYPASSRLS), or back up as the table's owner or a superuser. extra-args: --enable-row-security would back up only the rows it can see.`,
  ],
  [
    /permission denied for schema (\S+)/,
    (m) =>
      `The user lacks USAGE (to read) or CREATE (to create objects) on schema ${m[1]}, often a provider's schema: grant what it needs (GRANT USAGE, CREATE ON SCHEMA ${m[1]} TO <user>), or leave the schema out (exclude-schemas: ${m[1]}).`,
  ],
  [
    /permission denied to create database/,
    () =>
      'The user may not create databases: create the target database first (owned by this user), or give it CREATEDB (ALTER ROLE <user> CREATEDB).',
  ],
  [
    /permission denied to create role/,
    () =>
      'restore-globals creates roles, which needs CREATEROLE (ALTER ROLE <user> CREATEROLE) or a superuser; or create the roles first and leave restore-globals off.',
  ],
  [
    /must be owner of (\w+(?: \w+)?) (\S+)/,
    (m) =>
      `This user does not own ${m[1]} ${m[2]}: restore as its owner or a superuser, or leave it out of the selection.`,
  ],
  [
    /(?:extension "([^"]+)" is not available|could not open extension control file "[^"]*\/([^/"]+)\.control")/,
    (m) =>
      `The server has no ${m[1] ?? m[2]} extension: install its package on the server, or ask the provider to enable it.`,
  ],
];

/** Advice for a known error message, or ''. */
export function adviceFor(message: string): string {
  for (const [pattern, advise] of ADVICE) {
    const m = message.match(pattern);
    if (m) return ` ${advise(m)}`;
  }
  return '';
}
