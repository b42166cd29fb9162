// runMain's log and summary habits, on a real local directory: one ungrouped result line and a
// ::notice:: with it on success, no ::set-output without GITHUB_OUTPUT, a status line in the
// summary, and a summary with the error for a failed run (one ::error::).
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  afterAll,
  afterEach,
  beforeAll,
  beforeEach,
  describe,
  expect,
  it,
  jest,
} from '@jest/globals';
import { runMain } from '../../src/run.js';
import { LocalStore } from '../../src/storage/local.js';
import { manufacture, seed } from '../helpers/manufactured-backups.js';

// @actions/core keeps the summary file's path once it has used it: one file for every test.
let summaryDir: string;
const SUMMARY = () => join(summaryDir, 'summary');
beforeAll(async () => {
  summaryDir = await mkdtemp(join(tmpdir(), 'run-logs-summary-'));
});
afterAll(async () => {
  await rm(summaryDir, { recursive: true, force: true });
});

let dir: string;
let saved: NodeJS.ProcessEnv;
let printed: string[];

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'run-logs-'));
  saved = { ...process.env };
  for (const name of Object.keys(process.env))
    if (name.startsWith('INPUT_') || name.startsWith('GITHUB_')) delete process.env[name];
  // The workflow commands of a runner's log (outside GitHub, log.ts turns them into plain lines).
  process.env.GITHUB_ACTIONS = 'true';
  process.env.RUNNER_TEMP = dir;
  process.env.GITHUB_STEP_SUMMARY = SUMMARY();
  await writeFile(SUMMARY(), '');
  printed = [];
  jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    printed.push(String(chunk));
    return true;
  });
  process.exitCode = undefined;
});

afterEach(async () => {
  jest.restoreAllMocks();
  process.env = saved;
  process.exitCode = undefined;
  await rm(dir, { recursive: true, force: true });
});

function inputs(values: Record<string, string>): void {
  for (const [name, value] of Object.entries(values))
    process.env[`INPUT_${name.toUpperCase()}`] = value;
}

const log = () => printed.join('').split(/\r?\n/);
const summary = () => readFile(SUMMARY(), 'utf8');

describe('runMain outside a runner (no GITHUB_OUTPUT)', () => {
  it('ends with one ungrouped result line and its ::notice::, prints no ::set-output', async () => {
    const storage = join(dir, 'backups');
    const day = (d: number) => new Date(Date.UTC(2026, 10, d, 2));
    await seed(new LocalStore(storage), [manufacture('app', day(1)), manufacture('app', day(2))]);
    inputs({ command: 'prune', storage, 'keep-last': '1' });

    await runMain();

    const lines = log();
    expect(lines.some((l) => l.includes('::set-output'))).toBe(false);
    expect(process.env.GITHUB_OUTPUT).toBeUndefined();
    const result = `Prune of 'app' at ${storage} (keep-last 1): kept 1, deleted 1.`;
    const lastGroupEnd = lines.lastIndexOf('::endgroup::');
    expect(lines.slice(lastGroupEnd + 1).filter(Boolean)).toEqual([result, `::notice::${result}`]);
    expect(lines.filter((l) => l === '::group::')).toEqual([]);
    expect(process.exitCode).toBeUndefined();
    const written = await summary();
    expect(written).toContain('<h3>PostgreSQL prune</h3>');
    expect(written).toContain(`<p><b>✅ Status: succeeded.</b> ${result.replace(/'/g, "'")}</p>`);
  });

  it('every group logs at least one line', async () => {
    const storage = join(dir, 'backups');
    await seed(new LocalStore(storage), [manufacture('app', new Date(Date.UTC(2026, 10, 1)))]);
    inputs({ command: 'prune', storage, 'keep-last': '1', 'dry-run': 'true' });
    await runMain();
    const lines = log();
    lines.forEach((line, i) => {
      if (line.startsWith('::group::')) expect(lines[i + 1]).not.toBe('::endgroup::');
    });
  });
});

describe('runMain when the command fails', () => {
  it('prints one ::error:: and writes a summary with the status and the error', async () => {
    const storage = join(dir, 'nothing-here');
    inputs({ command: 'prune', storage, 'keep-last': '1' });

    await runMain();

    const errors = log().filter((l) => l.startsWith('::error::'));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain(`No backups (manifests) found at ${storage}`);
    expect(errors[0]).toContain('does not exist');
    expect(log().some((l) => l.startsWith('::notice::'))).toBe(false);
    expect(process.exitCode).toBe(1);
    const written = await summary();
    expect(written).toContain('<h3>PostgreSQL prune failed</h3>');
    expect(written).toContain('<b>❌ Status: failed.</b> No backups (manifests) found at');
  });

  it('a bad input leaves a summary too', async () => {
    inputs({ command: 'nonsense' });
    await runMain();
    expect(await summary()).toContain("❌ Status: failed.</b> Input 'command': 'nonsense'");
  });
});
