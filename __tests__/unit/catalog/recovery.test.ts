// The recovery document as a pure function: what the archive's SQL names, and the page's commands
// for each storage, format, compression and encryption (the integration tier runs them).
import { describe, expect, it } from '@jest/globals';
import type { Manifest } from '../../../src/catalog/manifest.js';
import { recoveryDocument } from '../../../src/catalog/recovery.js';
import { downloadStep, shellQuote } from '../../../src/catalog/recovery-steps.js';
import { NeedsCollector } from '../../../src/pipeline/archive-needs.js';
import { manifestOf } from '../../helpers/check-kit.js';

describe('NeedsCollector', () => {
  it('collects created extensions and the roles of owners, grants and default privileges', () => {
    const c = new NeedsCollector();
    for (const line of [
      'CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA public;',
      'CREATE EXTENSION IF NOT EXISTS "uuid-ossp" WITH SCHEMA public;',
      'ALTER TABLE app.orders OWNER TO app_owner;',
      'ALTER SCHEMA "Sales Data" OWNER TO "Sales Team";',
      'GRANT SELECT ON TABLE app.orders TO reader, "Report ""Bot""";',
      'REVOKE ALL ON TABLE app.orders FROM PUBLIC;',
      'GRANT ALL ON SCHEMA public TO pg_database_owner;',
      'GRANT SELECT ON TABLE app.orders TO auditor WITH GRANT OPTION;',
      'ALTER DEFAULT PRIVILEGES FOR ROLE deployer IN SCHEMA app GRANT SELECT ON TABLES TO reader;',
      '-- Name: x; Type: TABLE; Schema: app; Owner: commented',
    ])
      c.line(line);
    expect(c.needs()).toEqual({
      extensions: ['pg_trgm', 'uuid-ossp'],
      roles: ['Report "Bot"', 'Sales Team', 'app_owner', 'auditor', 'deployer', 'reader'],
    });
  });
});

const base = manifestOf('app', 1, 1000);
const local = { kind: 'local' as const, directory: '/srv/backups' };
const page = (m: Partial<Manifest>, locations = [local]) =>
  recoveryDocument({
    manifest: { ...base, ...m },
    locations,
    needs: { extensions: ['pg_trgm'], roles: ['app_owner'] },
  });
const commands = (text: string) =>
  [...text.matchAll(/^```sh\n([\s\S]*?)^```$/gm)].map((b) => b[1]?.trim() ?? '');

describe('recoveryDocument', () => {
  it('says what the backup is, what a restore needs and what it lacks', () => {
    const text = page({});
    expect(text).toContain(`# Recovery of backup ${base.id}`);
    expect(text).toContain('pg_dump 17.2');
    expect(text).toContain('`pg_trgm`');
    expect(text).toContain('`app_owner`');
    expect(text).toContain('Roles and tablespaces (pg_dumpall --globals-only): not backed up');
  });

  it.each([
    [{}, ['cp', 'echo', 'pg_restore', 'cat']],
    [
      { dump: { ...base.dump, format: 'plain', compression: 'gzip:6' } },
      ['cp', 'echo', 'gzip -d', 'psql', 'cat'],
    ],
    [
      { dump: { ...base.dump, format: 'plain', compression: 'zstd:3' } },
      ['cp', 'echo', 'zstd -d', 'psql', 'cat'],
    ],
    [
      { dump: { ...base.dump, format: 'plain', compression: 'none' } },
      ['cp', 'echo', 'psql', 'cat'],
    ],
    [
      { dump: { ...base.dump, format: 'directory' } },
      ['cp', 'echo', 'tar -xf', 'pg_restore', 'cat'],
    ],
    [
      {
        encryption: { scheme: 'age' as const, recipients: ['age1xyz'] },
        object: { ...base.object, key: `${base.id}.dump.age` },
      },
      ['cp', 'echo', 'age -d -i <AGE_IDENTITY_FILE>', 'pg_restore', 'cat'],
    ],
  ])('%j: the steps in order', (m, starts) => {
    const blocks = commands(page(m));
    expect(blocks.map((b, i) => b.startsWith(starts[i] ?? '?'))).toEqual(starts.map(() => true));
  });

  it('downloads with the AWS CLI (endpoint and region) or the GitHub CLI; quotes every name', () => {
    const s3 = downloadStep(base, {
      kind: 's3',
      bucket: 'b',
      prefix: "it's/",
      endpoint: 'http://h:9',
      region: 'eu-west-1',
    });
    expect(s3.commands[0]).toBe(
      `aws --endpoint-url 'http://h:9' --region 'eu-west-1' s3 cp ${shellQuote(`s3://b/it's/${base.object.key}`)} .`,
    );
    const gh = downloadStep(base, { kind: 'artifact', name: '', runId: '42', repository: 'o/r' });
    expect(gh.commands[0]).toBe(
      `gh run download 42 --repo 'o/r' --name '${base.object.key}' --dir .`,
    );
  });

  it('lists the other locations as alternatives, outside the commands', () => {
    const text = page({}, [local, { ...local, directory: '/mnt/copy' }]);
    expect(commands(text)[0]).toBe(
      `cp '/srv/backups/${base.object.key}' '/srv/backups/${base.id}.manifest.json' .`,
    );
    expect(text).toContain('Or, instead: copy from /mnt/copy');
  });
});
