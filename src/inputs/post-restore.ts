import { readFileSync, realpathSync } from 'node:fs';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { InputError } from '../errors.js';
import { checkPlainSql } from '../postgres/post-restore.js';
import { INPUTS, type Read } from './read.js';

/**
 * The `post-restore-sql` input: SQL text, or `@path` of a file in the workspace; checked to be
 * plain SQL (no psql meta-command, no transaction control). Undefined when empty.
 */
export function readPostRestoreSql(read: Read, workspace: string): string | undefined {
  const raw = read(INPUTS.postRestoreSql);
  if (!raw.trim()) return undefined;
  const text = raw.startsWith('@') ? readWorkspaceFile(raw.slice(1).trim(), workspace) : raw;
  const checked = checkPlainSql(text);
  if ('sql' in checked) return checked.sql;
  throw new InputError(
    INPUTS.postRestoreSql,
    `is not plain SQL for the restore's transaction: ${checked.problem}. Give SQL statements only (no psql meta-commands, BEGIN, COMMIT or COPY FROM STDIN).`,
  );
}

/** A file's text, when the path (symbolic links followed) is inside the workspace. */
function readWorkspaceFile(path: string, workspace: string): string {
  const fail = (why: string) =>
    new InputError(
      INPUTS.postRestoreSql,
      `'@${path}' ${why}: give @path of a file in the workspace, e.g. @db/staging-mask.sql.`,
    );
  if (!isInside(workspace, resolve(workspace, path))) throw fail('is outside the workspace');
  let real: string;
  try {
    real = realpathSync(resolve(workspace, path));
  } catch {
    throw fail('names no file');
  }
  // Symbolic links followed: a link in the workspace must not lead out of it.
  if (!isInside(realpathSync(workspace), real)) throw fail('is outside the workspace');
  return readFileSync(real, 'utf8');
}

function isInside(dir: string, path: string): boolean {
  const inside = relative(dir, path);
  return !!inside && inside !== '..' && !inside.startsWith(`..${sep}`) && !isAbsolute(inside);
}
