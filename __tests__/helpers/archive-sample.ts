// The database the in-process archive readers are compared on: the sample database plus large
// objects of every kind (a large one owned by a role of its own, a small one, and empty ones, whose
// zstd data pg_dump writes as no bytes at all).
import type { PgCluster } from '../../scripts/lib/pg-cluster.js';
import { loadSample } from './db-compare.js';

/** Loads the sample database into `db` of `pg`, with its large objects. */
export async function loadArchiveSample(pg: PgCluster, db = 'app'): Promise<void> {
  await loadSample(pg, db);
  await pg.psql('CREATE ROLE lo_only_owner', db);
  await pg.psql("SELECT lo_from_bytea(4242, convert_to(repeat('x', 300000), 'UTF8'))", db);
  await pg.psql("SELECT lo_from_bytea(4343, '\\x00ff'::bytea)", db);
  await pg.psql('ALTER LARGE OBJECT 4242 OWNER TO lo_only_owner', db);
  await pg.psql('SELECT lo_create(4444)', db);
  await pg.psql("SELECT lo_from_bytea(4545, ''::bytea)", db);
}
