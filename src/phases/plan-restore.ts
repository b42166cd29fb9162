import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as core from '@actions/core';
import { ActionError } from '../errors.js';
import { readArchiveToc, tableKey } from '../postgres/archive-toc.js';
import type { RestoreSelection } from '../postgres/pg-restore.js';
import { planRestore, type PlanRequest, type RestorePlan } from '../postgres/restore-plan.js';
import { capacityOf, lockProblem } from '../postgres/lock-budget.js';
import { lockTableHolds, readTargetFacts, type TargetFacts } from '../postgres/target-facts.js';
import { quoteIdent } from '../postgres/target.js';
import type { RestoreInto } from './restore-into.js';

/** A restore whose selection the plan decided: the entries, owners and privileges, the resets. */
export interface PlannedRestore extends RestoreInto {
  plan?: RestorePlan;
}

/**
 * The pre-flight: reads the archive's TOC and the target's catalog (nothing is changed), fails with
 * one error naming every missing item, and otherwise turns the request into pg_restore's list.
 * A plain backup has no TOC: it restores whole, `auto` leaving owners and privileges out.
 */
export async function planInto(p: RestoreInto, request: PlanRequest): Promise<PlannedRestore> {
  if (p.manifest.dump.format === 'plain') return plainPlan(p, request);
  const toc = await readArchiveToc(p.archivePath);
  const facts = await readTargetFacts(p.target, p.state.exists);
  const rows = new Map(p.manifest.tables.map((t) => [tableKey(t.schema, t.name), t.rows]));
  const parallel = !p.state.exists && p.jobs !== undefined && p.manifest.dump.format !== 'tar';
  const plan = planRestore(toc, { ...request, parallel }, facts, rows);
  const problems = [...databaseProblems(p, facts), ...plan.problems];
  if (!(await locksFit(p, plan, facts))) problems.push(lockProblem(plan.locks, facts.locks));
  if (problems.length) throw cannotRestore(p, problems);
  report(plan, facts);
  const listFile = join(p.workspace, 'restore.list');
  await writeFile(listFile, plan.entries.map((id) => `${id};\n`).join(''), { mode: 0o600 });
  const selection: RestoreSelection = {
    ...p.selection,
    noOwner: plan.noOwner,
    noPrivileges: plan.noPrivileges,
    listFile,
    privilegeReset: facts.defaultPrivileges ? privilegeReset(plan, toc) : undefined,
    preludeSql: extensionDataReset(plan),
  };
  return { ...p, selection, plan };
}

function plainPlan(p: RestoreInto, request: PlanRequest): PlannedRestore {
  const selection = {
    ...p.selection,
    noOwner: request.noOwner !== false,
    noPrivileges: request.noPrivileges !== false,
  };
  core.info(
    `A plain backup restores whole: owners ${selection.noOwner ? 'left out' : 'kept'}, privileges ${selection.noPrivileges ? 'left out' : 'kept'}.`,
  );
  return { ...p, selection };
}

/** Within the lock table's nominal size it fits; beyond, a probe of the real table decides. */
async function locksFit(p: RestoreInto, plan: RestorePlan, facts: TargetFacts): Promise<boolean> {
  if (plan.locks <= capacityOf(facts.locks)) return true;
  return lockTableHolds(p.target, p.state.exists, plan.locks);
}

function databaseProblems(p: RestoreInto, f: TargetFacts): string[] {
  if (p.state.exists || f.canCreateDatabase) return [];
  return [
    `the database '${p.target.database}' does not exist and ${f.user} may not create databases (no CREATEDB): create it first (as the provider's admin or in its dashboard, owned by ${f.user}), or give the user CREATEDB (ALTER ROLE ${quoteIdent(f.user)} CREATEDB)`,
  ];
}

function cannotRestore(p: RestoreInto, problems: string[]): ActionError {
  return new ActionError(
    `The target '${p.target.database}' cannot take backup ${p.manifest.id}; nothing was changed. Missing: ${problems.join('; ')}.`,
  );
}

function report(plan: RestorePlan, facts: TargetFacts): void {
  core.info(
    `Restoring ${plan.entries.length} archive entries as ${facts.user}${facts.superuser ? ' (superuser)' : ''}: ${plan.ownership}.`,
  );
  if (plan.skipped.length) {
    const list = plan.skipped.map((s) => `${s.entry} (${s.reason})`);
    core.warning(
      `Left out ${plan.skipped.length} archive entr${plan.skipped.length === 1 ? 'y' : 'ies'} the target already has or this user cannot own: ${cap(list).join('; ')}.`,
    );
  }
  if (plan.leftOut.length)
    core.warning(
      `The selection leaves out what the backup also holds: ${plan.leftOut.join(' and ')}. Restore without schemas/tables to bring them back.`,
    );
}

/** The first 20 items, and how many more. */
function cap(items: string[]): string[] {
  return items.length > 20 ? [...items.slice(0, 20), `and ${items.length - 20} more`] : items;
}

/**
 * SQL run after the archive's objects and grants are in, inside the restore's transaction: the
 * relations it created lose every privilege the target's default privileges gave them, then get the
 * archive's own grants again. So a restored table has exactly the privileges it had when it was
 * backed up, never one a provider's `ALTER DEFAULT PRIVILEGES … TO anon` adds.
 */
function privilegeReset(
  plan: RestorePlan,
  toc: { desc: string; deps: number[]; defn: string; dumpId: number }[],
): string | undefined {
  if (!plan.relations.length) return undefined;
  const names = plan.relations.map((r) => `${quoteIdent(r.schema)}.${quoteIdent(r.name)}`);
  const kept = new Set(plan.entries);
  const grants = plan.noPrivileges
    ? []
    : toc.filter((e) => e.desc === 'ACL' && kept.has(e.dumpId)).map((e) => e.defn);
  return `${revokeAll(names)}${grants.join('')}`;
}

/** Deletes the target's rows of extension configuration tables the archive brings again. */
function extensionDataReset(plan: RestorePlan): string | undefined {
  if (!plan.extensionData.length) return undefined;
  return plan.extensionData
    .map((t) => `DELETE FROM ONLY ${quoteIdent(t.schema)}.${quoteIdent(t.name)} ${t.filter};\n`)
    .join('');
}

function revokeAll(names: string[]): string {
  const list = names.map((n) => `'${n.replace(/'/g, "''")}'`).join(',');
  return `DO $pgba_reset$ DECLARE r record; BEGIN
FOR r IN SELECT c.oid::pg_catalog.regclass AS rel, c.relkind, a.grantee
  FROM pg_catalog.pg_class c CROSS JOIN LATERAL pg_catalog.aclexplode(c.relacl) a
  WHERE c.oid IN (SELECT pg_catalog.to_regclass(x) FROM pg_catalog.unnest(ARRAY[${list}]::text[]) x)
    AND a.grantee <> c.relowner
LOOP
  EXECUTE pg_catalog.format('REVOKE ALL ON %s %s FROM %s',
    CASE WHEN r.relkind = 'S' THEN 'SEQUENCE' ELSE 'TABLE' END, r.rel,
    CASE WHEN r.grantee = 0 THEN 'PUBLIC' ELSE pg_catalog.quote_ident(pg_catalog.pg_get_userbyid(r.grantee)) END);
END LOOP; END $pgba_reset$;
`;
}
