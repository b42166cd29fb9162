import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { startCluster, type PgCluster, type ServerMajor } from '../../scripts/lib/pg-cluster.js';
import { loadSample, schemaDump, tableRowCounts } from '../helpers/db-compare.js';

// Every major must be there (.ci/run provisions them): a missing server fails the suite.
const majors: ServerMajor[] = [13, 15, 17, 18];

describe.each(majors)('PostgreSQL %i test cluster', (major) => {
  let cluster: PgCluster;

  beforeAll(async () => {
    cluster = await startCluster(major);
  }, 60_000);

  afterAll(async () => {
    await cluster?.stop();
  });

  it('reports its server version and a percent-encoded URL', async () => {
    const version = await cluster.psql('SHOW server_version_num');
    expect(Math.floor(Number(version.trim()) / 10000)).toBe(major);
    expect(cluster.password).toMatch(/[@:/#%? ]/);
    const url = new URL(cluster.url('some db'));
    expect(url.protocol).toBe('postgresql:');
    expect(url.hostname).toBe('127.0.0.1');
    expect(Number(url.port)).toBe(cluster.port);
    expect(decodeURIComponent(url.password)).toBe(cluster.password);
    expect(decodeURIComponent(url.pathname.slice(1))).toBe('some db');
  });

  it('loads the sample schema and counts rows per table', async () => {
    await loadSample(cluster, 'sample');
    const counts = await tableRowCounts(cluster, 'sample');
    expect(Object.keys(counts).length).toBeGreaterThan(0);
    expect(counts['app.events_2023']).toBe(500);
    expect(counts['app.events_2024']).toBe(500);
    expect(counts['app.events_other']).toBe(500);
    expect(counts['app.events']).toBeUndefined();
    expect(counts['Sales Data.Odd "Name" Table']).toBe(50);
    expect(counts['archive.base_log']).toBe(200);
    expect(counts['archive.child_log']).toBe(100);
    expect(counts['app.empty_table']).toBe(0);
    expect(counts['app.no_columns']).toBe(3);
    expect(counts['app.customers']).toBe(2002);
  }, 60_000);

  it('produces a stable normalized schema dump', async () => {
    const a = await schemaDump(cluster, 'sample');
    const b = await schemaDump(cluster, 'sample');
    expect(a).toBe(b);
    expect(a).toContain('CREATE TABLE "Sales Data"."Odd ""Name"" Table"');
    expect(a).not.toMatch(/^\\restrict/m);
    expect(a).not.toMatch(/^--/m);
  }, 60_000);
});

describe('test cluster environment', () => {
  it('has at least one server major', () => {
    expect(majors.length).toBeGreaterThan(0);
  });
});
