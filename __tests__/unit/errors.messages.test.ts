// The messages that tell a user what to check: an unreachable host, a location without backups
// (does the directory exist?), a wrong label (which labels are there?), a socket-directory URL
// (accepted as libpq does), a manifest named after another id (skipped), and a pg-bin-dir without a working pg_dump (which major, how to get it).
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { findBackup } from '../../src/catalog/backups.js';
import { serializeManifest } from '../../src/catalog/manifest.js';
import { ActionError } from '../../src/errors.js';
import { findClient } from '../../src/postgres/client.js';
import { parseDatabaseUrl, toConninfo } from '../../src/postgres/connection.js';
import { explainConnectError } from '../../src/postgres/server.js';
import { LocalStore } from '../../src/storage/local.js';
import { manufacture, seed } from '../helpers/manufactured-backups.js';
import { MemoryStore } from '../helpers/memory-store.js';

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'messages-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

const LATEST = { choice: { kind: 'latest' as const } };

async function failure(work: Promise<unknown>): Promise<string> {
  const error = await work.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ActionError);
  return (error as Error).message;
}

describe('an unreachable server', () => {
  const conn = {
    host: 'db.abc.supabase.co',
    port: 5432,
    database: 'postgres',
    user: 'u',
    params: {},
  };
  it.each([
    ['ENETUNREACH', 'connect ENETUNREACH 2a05:d014:1c06:5f00::1:5432'],
    ['EHOSTUNREACH', 'connect EHOSTUNREACH 10.1.2.3:5432'],
    ['ETIMEDOUT', 'connect ETIMEDOUT 10.1.2.3:5432'],
    ['', 'Connection terminated due to connection timeout'],
  ])(
    '%s says what to check: firewall, IPv6-only hosts and the session pooler, a self-hosted runner',
    (code, message) => {
      const error = explainConnectError(
        Object.assign(new Error(message), { code }),
        conn,
        'database-url',
      );
      expect(error.message).toContain('db.abc.supabase.co:5432');
      expect(error.message).toContain('firewall');
      expect(error.message).toContain('IPv6-only');
      expect(error.message).toContain('session pooler');
      expect(error.message).toContain('self-hosted runner');
      expect(error.message).toContain(`(${message})`);
    },
  );

  it('a host that does not resolve mentions IPv6-only hosts too', () => {
    const error = explainConnectError(
      Object.assign(new Error('getaddrinfo ENOTFOUND db.abc.supabase.co'), { code: 'ENOTFOUND' }),
      conn,
      'database-url',
    );
    expect(error.message).toContain('host name');
    expect(error.message).toContain('session pooler');
  });
});

describe('a location without backups', () => {
  it('says that the directory does not exist', async () => {
    const dir = join(root, 'missing');
    const message = await failure(findBackup(new LocalStore(dir), LATEST, new Date()));
    expect(message).toBe(
      `No backups (manifests) found at ${dir}: the directory ${dir} does not exist: check storage (a relative path is taken from the workspace).`,
    );
  });

  it('says that the directory exists but holds no manifest', async () => {
    const dir = join(root, 'empty');
    await mkdir(dir);
    await writeFile(join(dir, 'app-20261122T020000Z.dump'), 'no manifest');
    const message = await failure(findBackup(new LocalStore(dir), LATEST, new Date()));
    expect(message).toContain(`No backups (manifests) found at ${dir}: the directory exists`);
    expect(message).toContain('no *.manifest.json');
  });

  it('a path that is a file is named as such', async () => {
    const file = join(root, 'a-file');
    await writeFile(file, '');
    expect(await failure(findBackup(new LocalStore(file), LATEST, new Date()))).toContain(
      `${file} is not a directory`,
    );
  });

  it('elsewhere (S3, artifacts) says no manifest is there', async () => {
    const message = await failure(findBackup(new MemoryStore('memory://b'), LATEST, new Date()));
    expect(message).toContain('No backups (manifests) found at memory://b: no *.manifest.json');
  });
});

describe('a wrong label', () => {
  it('lists the labels present, with their counts', async () => {
    const store = new MemoryStore('memory://b');
    const day = (d: number) => new Date(Date.UTC(2026, 10, d, 2));
    await seed(store, [
      manufacture('app', day(1)),
      manufacture('app', day(2)),
      manufacture('crm', day(2)),
    ]);
    const message = await failure(findBackup(store, { ...LATEST, label: 'ap' }, new Date()));
    expect(message).toBe(
      "No backup with label 'ap' at memory://b matches backup: latest. The labels there are app (2 backups), crm (1 backup): set label to one of them.",
    );
  });

  it('for a label that is there but an id that is not, names its newest and oldest', async () => {
    const store = new MemoryStore('memory://b');
    const day = (d: number) => new Date(Date.UTC(2026, 10, d, 2));
    await seed(store, [manufacture('app', day(1)), manufacture('app', day(3))]);
    const choice = { kind: 'id' as const, id: 'app-20261102T020000Z' };
    const message = await failure(findBackup(store, { label: 'app', choice }, new Date()));
    expect(message).toContain(
      "'app' has 2 backups there, newest app-20261103T020000Z, oldest app-20261101T020000Z.",
    );
  });
});

describe('a manifest named after another id', () => {
  const day = (d: number) => new Date(Date.UTC(2026, 10, d, 2));
  async function renamed(): Promise<MemoryStore> {
    const store = new MemoryStore('memory://b');
    const [older, newer] = [manufacture('app', day(1)), manufacture('app', day(2))];
    await seed(store, [older]);
    store.put('app-20261103T020000Z.manifest.json', serializeManifest(newer.manifest));
    return store;
  }

  it('is passed over by latest', async () => {
    const found = await findBackup(await renamed(), LATEST, day(4));
    expect(found.id).toBe('app-20261101T020000Z');
  });

  it('is refused when chosen by its file name, as by every command', async () => {
    const choice = { kind: 'id' as const, id: 'app-20261103T020000Z' };
    const message = await failure(findBackup(await renamed(), { choice }, day(4)));
    expect(message).toContain(
      "No backup with label 'app' at memory://b matches backup: app-20261103T020000Z.",
    );
  });
});

describe('a socket-directory URL (valid libpq)', () => {
  it.each([
    ['postgresql://u:pw@/db?host=/var/run/postgresql', '/var/run/postgresql', 5432],
    ['postgresql://u:pw@:5433/db?host=/tmp/sock', '/tmp/sock', 5433],
    ['postgresql://u@/db?host=%2Ftmp%2Fsock', '/tmp/sock', 5432],
    ['postgresql:///db?host=/tmp', '/tmp', 5432],
  ])('%s is accepted', (url, host, port) => {
    const c = parseDatabaseUrl('database-url', url);
    expect({ host: c.host, port: c.port, database: c.database }).toEqual({
      host,
      port,
      database: 'db',
    });
    expect(toConninfo(c)).toContain(`host='${host}'`);
    expect(toConninfo(c)).not.toContain('invalid');
  });

  it('keeps the user and password of a URL without a host', () => {
    const c = parseDatabaseUrl('database-url', 'postgresql://app:s%23cret@/shop?host=/run/pg');
    expect(c).toMatchObject({ user: 'app', password: 's#cret', host: '/run/pg', database: 'shop' });
  });
});

describe('pg-bin-dir without a working pg_dump', () => {
  it("names the server's major and how to get a client", async () => {
    const dir = join(root, 'no-client');
    await mkdir(dir);
    const message = await failure(findClient({ pgVersion: 'auto', pgBinDir: dir }, 17, {}));
    expect(message).toContain(`pg-bin-dir '${dir}' holds no working pg_dump`);
    expect(message).toContain('the server needs pg_dump 17 or newer');
    expect(message).toContain('apt-get install postgresql-client-17');
    expect(message).toContain('/usr/lib/postgresql/17/bin');
    expect(message).toContain('brew install postgresql@17');
    expect(message).toContain('remove pg-bin-dir');
  });
});
