// What a backup's archive was found to hold as it streamed, as the manifest records it.

/** Rows of one table's data entry in an archive. */
export interface TableRows {
  /** Schema name, unquoted. */
  schema: string;
  /** Table name, unquoted. */
  name: string;
  /** Data rows in its COPY block. */
  rows: number;
}

/** The schema fingerprint of an archive, as recorded in the manifest. */
export interface SchemaFingerprint {
  /** SHA-256 (hex) of the archive's non-data statements. */
  sha256: string;
  /** TOC entries: the `-- Name: …; Type: …` (and `-- Data for Name: …`) headers seen. */
  objects: number;
}

/** What restoring the archive needs on the target: the extensions and roles its statements name, each sorted. */
export interface ArchiveNeeds {
  extensions: string[];
  roles: string[];
}
