// The README's Quick start, run as written: the `with:` inputs of its backup workflow and of its
// restore workflow are taken from README.md and given to dist/index.js the way a runner gives them,
// with only the expressions a runner fills in (secrets, the run id the first step finds, the
// token) replaced. The restore reads the backup run's artifacts through artifact-run-id.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { runAction } from '../helpers/action-process.js';
import { startArtifactService, type ArtifactService } from '../helpers/artifact-service.js';
import { loadSample, tableRowCounts } from '../helpers/db-compare.js';
import {
  availableMajors,
  startCluster,
  type PgCluster,
  type ServerMajor,
} from '../../scripts/lib/pg-cluster.js';
import { REPO } from '../../scripts/lib/repo.js';

const major = (availableMajors().includes(17) ? 17 : 15) as ServerMajor;
let cluster: PgCluster;
let service: ArtifactService;

/** The ```yaml blocks of README's Quick start section. */
async function quickStartBlocks(): Promise<string[]> {
  const readme = await readFile(join(REPO, 'README.md'), 'utf8');
  const section = readme.split('\n## Quick start')[1]?.split('\n## ')[0] ?? '';
  return [...section.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1] ?? '');
}

/** The `with:` inputs of the block's step that uses this action, comments left out. */
function actionInputs(block: string): Record<string, string> {
  const lines = block.split('\n');
  const at = lines.findIndex((l) =>
    /uses: postgres-backup-action\/postgres-backup-action@/.test(l),
  );
  const withAt = lines.findIndex((l, i) => i > at && /^\s+with:\s*$/.test(l));
  const indent = (l: string) => l.length - l.trimStart().length;
  const inputs: Record<string, string> = {};
  for (const line of lines.slice(withAt + 1)) {
    if (!line.trim() || indent(line) <= indent(lines[withAt] ?? '')) break;
    const [, name = '', value = ''] = /^\s+([a-z0-9-]+):\s*(.*?)(?:\s+#.*)?$/.exec(line) ?? [];
    inputs[name] = value;
  }
  return inputs;
}

/** The inputs with the runner's expressions replaced by the values given. */
function filled(inputs: Record<string, string>, values: Record<string, string>) {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(inputs)) {
    const expression = /^\$\{\{\s*(.+?)\s*\}\}$/.exec(value)?.[1];
    out[name] = expression === undefined ? value : (values[expression] ?? `unfilled ${expression}`);
  }
  return out;
}

beforeAll(async () => {
  [cluster, service] = await Promise.all([startCluster(major), startArtifactService()]);
  await loadSample(cluster, 'app');
}, 180_000);

afterAll(async () => {
  await Promise.all([cluster?.stop(), service?.stop()]);
});

describe("README's Quick start", () => {
  it('backs up to artifacts and restores them from that run, as written', async () => {
    const [backupYaml = '', restoreYaml = ''] = await quickStartBlocks();
    expect(backupYaml).toMatch(/^\s+workflow_dispatch:/m);
    expect(restoreYaml).toMatch(/^\s+workflow_dispatch:/m);
    expect(restoreYaml).toMatch(/^\s+actions: read/m);

    const backupInputs = actionInputs(backupYaml);
    expect(Object.keys(backupInputs)).toEqual(['database-url']);
    const nightly = service.newRun();
    const backup = await runAction(
      filled(backupInputs, { 'secrets.DATABASE_URL': cluster.url('app') }),
      { env: nightly.env },
    );
    expect(backup.errors).toEqual([]);
    expect(backup.outputs.location).toMatch(/^artifact:\/\//);

    const restoreInputs = actionInputs(restoreYaml);
    expect(restoreInputs).toMatchObject({ command: 'restore' });
    const restore = await runAction(
      {
        ...filled(restoreInputs, {
          'steps.run.outputs.id': String(nightly.runId),
          'secrets.RESTORE_DATABASE_URL': cluster.url('quick_start'),
        }),
        // action.yml's default `${{ github.token }}`, which the runner fills in.
        'github-token': service.apiToken,
      },
      { env: service.run.env },
    );
    expect(restore.errors).toEqual([]);
    expect(restore.outputs['backup-id']).toBe(backup.outputs['backup-id']);
    expect(restore.outputs.verified).toBe('true');
    expect(await tableRowCounts(cluster, 'quick_start')).toEqual(
      await tableRowCounts(cluster, 'app'),
    );
  });
});
