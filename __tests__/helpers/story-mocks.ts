// What the command-story tests share: a fake server, and the mocks of the modules that would need
// a server or real storage. Call mockServerSide before importing a command (ESM mocks must exist
// before the module that uses them is loaded).
import { jest } from '@jest/globals';
import type { ChosenClient } from '../../src/postgres/client.js';
import type { ServerInfo } from '../../src/postgres/server.js';
import type { StorageLocation } from '../../src/settings.js';
import type { Store } from '../../src/storage/store.js';
import { MemoryStore } from './memory-store.js';

/** The server the stories see. */
export const SERVER: ServerInfo = {
  version: '15.8',
  versionNum: 150008,
  major: 15,
  database: 'app',
  databaseSize: 123_456,
};

/** The fixed clock of the stories, and the id a backup of label `app` gets from it. */
export const NOW = new Date('2026-11-22T02:00:00.000Z');
export const ID = 'app-20261122T020000Z';

/** One MemoryStore per storage line (by directory, or by kind for s3:// and artifact://). */
export function memoryStores(): {
  stores: Map<string, MemoryStore>;
  storeFor: (location: StorageLocation) => MemoryStore;
} {
  const stores = new Map<string, MemoryStore>();
  const storeFor = (location: StorageLocation) => {
    const key = location.kind === 'local' ? location.directory : location.kind;
    const store = stores.get(key) ?? new MemoryStore(`memory:${key}`);
    stores.set(key, store);
    return store;
  };
  return { stores, storeFor };
}

/** Mocks readServerInfo (→ SERVER), findClient (→ `client`) and createStore (→ `storeFor`). */
export async function mockServerSide(
  client: ChosenClient,
  storeFor: (location: StorageLocation) => Store,
) {
  const realServer = await import('../../src/postgres/server.js');
  const realClient = await import('../../src/postgres/client.js');
  const realCreateStore = await import('../../src/storage/create-store.js');
  const readServerInfo = jest.fn(() => Promise.resolve(SERVER));
  const findClient = jest.fn<typeof realClient.findClient>(() => Promise.resolve(client));
  const createStore = jest.fn(storeFor);
  jest.unstable_mockModule('../../src/postgres/server.js', () => ({
    ...realServer,
    readServerInfo,
  }));
  jest.unstable_mockModule('../../src/postgres/client.js', () => ({
    ...realClient,
    findClient,
  }));
  jest.unstable_mockModule('../../src/storage/create-store.js', () => ({
    ...realCreateStore,
    createStore,
  }));
  return { readServerInfo, findClient, createStore };
}
