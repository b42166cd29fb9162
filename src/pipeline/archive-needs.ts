import type { ArchiveNeeds } from '../catalog/archive-facts.js';
export type { ArchiveNeeds } from '../catalog/archive-facts.js';
// What a restore of an archive needs beyond a server: the extensions it creates and the roles its
// ownership and grants name, read from the archive's SQL as it is verified (names only, no data).

const EXTENSION = /^CREATE EXTENSION IF NOT EXISTS ("(?:[^"]|"")+"|[^\s;]+)/;
const OWNER = / OWNER TO ("(?:[^"]|"")+"|[^\s;]+);$/;
const GRANTEES = /^(?:GRANT|REVOKE) .* (?:TO|FROM) (.+?)(?: WITH GRANT OPTION| GRANTED BY .+)?;$/;
const FOR_ROLE = /^ALTER DEFAULT PRIVILEGES FOR ROLE ("(?:[^"]|"")+"|[^\s;]+)/;
// Roles every server has: a restore never needs them created.
const BUILT_IN = /^(PUBLIC|pg_.*)$/i;

/** Collects names from the archive's SQL lines (fed every line outside COPY data). */
export class NeedsCollector {
  private readonly extensions = new Set<string>();
  private readonly roles = new Set<string>();

  /** Takes one line (without its newline). */
  line(line: string): void {
    if (line.startsWith('--') || line === '') return;
    const extension = EXTENSION.exec(line)?.[1];
    if (extension) this.extensions.add(unquote(extension));
    for (const pattern of [OWNER, FOR_ROLE]) this.addRoles(pattern.exec(line)?.[1]);
    const grantees = GRANTEES.exec(line)?.[1];
    if (grantees) for (const role of grantees.split(', ')) this.addRoles(role);
  }

  /** What was collected, sorted. */
  needs(): ArchiveNeeds {
    const sorted = (s: Set<string>) => [...s].sort();
    return { extensions: sorted(this.extensions), roles: sorted(this.roles) };
  }

  private addRoles(name: string | undefined): void {
    if (!name) return;
    const role = unquote(name.trim());
    if (!BUILT_IN.test(role)) this.roles.add(role);
  }
}

function unquote(name: string): string {
  return name.startsWith('"') ? name.slice(1, -1).replace(/""/g, '"') : name;
}
