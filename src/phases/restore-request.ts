// What restore and verify ask to restore, in the two forms the plan and pg_restore take.
import type { RestoreSelection } from '../postgres/pg-restore.js';
import type { PlanRequest } from '../postgres/restore-plan.js';
import type { AutoBool } from '../settings.js';

/** The parts of restore or verify settings that choose what is restored and how. */
export interface Asked {
  schemas: string[];
  tables: string[];
  schemaOnly?: boolean;
  dataOnly?: boolean;
  noOwner: AutoBool;
  noPrivileges: AutoBool;
  /** Replace the archive's objects (restore's overwrite; a drill never does). */
  overwrite?: boolean;
}

/** The plan's request: the selection with `auto` still open. */
export function requestOf(s: Asked): PlanRequest {
  return {
    schemas: s.schemas,
    tables: s.tables,
    schemaOnly: s.schemaOnly ?? false,
    dataOnly: s.dataOnly ?? false,
    noOwner: s.noOwner,
    noPrivileges: s.noPrivileges,
    clean: s.overwrite ?? false,
  };
}

/** The selection as asked, `auto` taken as true until the plan resolves it. */
export function selectionOf(request: PlanRequest): RestoreSelection {
  return {
    ...request,
    noOwner: request.noOwner !== false,
    noPrivileges: request.noPrivileges !== false,
  };
}
