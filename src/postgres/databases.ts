import type pg from 'pg';

// Every database the user may connect to: not a template, connections allowed, CONNECT granted.
const CONNECTABLE = `SELECT datname FROM pg_catalog.pg_database
  WHERE NOT datistemplate AND datallowconn AND has_database_privilege(datname, 'CONNECT')
  ORDER BY datname`;

/** The databases of the server that `databases: all` backs up, sorted by name. */
export async function listConnectableDatabases(client: pg.Client): Promise<string[]> {
  const result = await client.query<{ datname: string }>(CONNECTABLE);
  return result.rows.map((r) => r.datname);
}
