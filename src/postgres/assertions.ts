import type pg from 'pg';
import type { Connection } from './connection.js';
import { INPUTS } from '../input-names.js';
import { withConnection } from './server.js';

/** One `assert-sql` query and its result; `detail` says why it did not pass. */
export interface AssertionResult {
  sql: string;
  passed: boolean;
  detail?: string;
}

/**
 * Runs the user's checks against the restored database, each in its own read-only transaction
 * (rolled back): a query passes when it returns one row whose first column is `true`.
 */
export async function runAssertions(
  conn: Connection,
  queries: string[],
): Promise<AssertionResult[]> {
  if (!queries.length) return [];
  return withConnection(conn, INPUTS.targetDatabaseUrl, async (client) => {
    const results: AssertionResult[] = [];
    for (const sql of queries) results.push(await runOne(client, sql));
    return results;
  });
}

async function runOne(client: pg.Client, sql: string): Promise<AssertionResult> {
  await client.query('BEGIN READ ONLY');
  try {
    const result = await client.query({ text: sql, rowMode: 'array' });
    const detail = judge(result.rows as unknown[][]);
    return detail ? { sql, passed: false, detail } : { sql, passed: true };
  } catch (error) {
    return { sql, passed: false, detail: `failed: ${(error as Error).message}` };
  } finally {
    await client.query('ROLLBACK');
  }
}

/** Why a query's answer is not one row with `true` first; undefined when it is. */
function judge(rows: unknown[][]): string | undefined {
  if (rows.length !== 1) return `returned ${rows.length} rows, not one`;
  const first = rows[0]?.[0];
  if (first === true) return undefined;
  if (first === false) return 'returned false';
  return `returned ${first === null || first === undefined ? 'null' : JSON.stringify(first)}, not a boolean true`;
}
