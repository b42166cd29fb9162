// The action the benches run: a fresh ncc bundle of src/ (never touching dist/) or the committed dist/.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { REPO } from '../scripts/lib/repo.ts';

/**
 * The action's entry point. `mode`: `build` bundles src/ with ncc into `dir`/action, `reuse` takes
 * the bundle of an earlier run there, `dist` the committed dist/index.js.
 */
export function actionScript(mode, dir, log) {
  if (mode === 'dist') return join(REPO, 'dist/index.js');
  const out = join(dir, 'action');
  if (mode === 'reuse' && existsSync(join(out, 'index.js'))) return join(out, 'index.js');
  log('bundling src/ with ncc (not dist/)…');
  const ncc = join(REPO, 'node_modules/.bin/ncc');
  const res = spawnSync(ncc, ['build', 'src/main.ts', '-o', out, '-q'], {
    cwd: REPO,
    encoding: 'utf8',
  });
  if (res.status !== 0)
    throw new Error(
      `ncc could not bundle src/ (BENCH_ACTION=dist runs dist/ as it is): ${res.stderr}`,
    );
  return join(out, 'index.js');
}
