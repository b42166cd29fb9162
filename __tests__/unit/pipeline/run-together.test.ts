import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from '@jest/globals';
import { runTogether } from '../../../src/pipeline/run-together.js';
import { ProcessError } from '../../../src/postgres/process.js';

/** Rejects with `error` after `ms`. */
function failAfter(ms: number, error: Error): Promise<never> {
  return sleep(ms).then(() => Promise.reject(error));
}

/** Rejects with what `echo()` returns once the controller aborts (as a killed process would). */
function echoOnAbort(controller: AbortController, echo: () => Error): Promise<never> {
  return new Promise((_resolve, reject) => {
    controller.signal.addEventListener('abort', () => reject(echo()), { once: true });
  });
}

function abortError(): Error {
  return Object.assign(new Error('The operation was aborted'), {
    name: 'AbortError',
    code: 'ABORT_ERR',
  });
}

const sigterm = (program = 'pg_dump') => new ProcessError(program, 'killed by SIGTERM', '');

async function caught(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

describe('runTogether', () => {
  it('resolves when every part resolves, without aborting', async () => {
    const controller = new AbortController();
    let done = 0;
    await runTogether(
      [
        { priority: 0, promise: sleep(5).then(() => (done += 1)) },
        { priority: 1, promise: Promise.resolve().then(() => (done += 1)) },
      ],
      controller,
    );
    expect(done).toBe(2);
    expect(controller.signal.aborted).toBe(false);
  });

  it('resolves with no parts', async () => {
    await expect(runTogether([], new AbortController())).resolves.toBeUndefined();
  });

  it('aborts the others on the first failure and waits for every part to settle', async () => {
    const controller = new AbortController();
    const cause = new Error('upload failed');
    let settled = false;
    const slow = echoOnAbort(controller, abortError).finally(() => (settled = true));
    const error = await caught(
      runTogether(
        [
          { priority: 0, promise: slow },
          { priority: 1, promise: failAfter(1, cause) },
        ],
        controller,
      ),
    );
    expect(error).toBe(cause);
    expect(controller.signal.aborted).toBe(true);
    expect(settled).toBe(true);
  });

  it.each([
    ['the first to fail has the lowest number', [0, 1, 2], [1, 5, 10], 'p0'],
    ['the last to fail has the lowest number', [2, 1, 0], [1, 5, 10], 'p2'],
    ['the middle one has the lowest number', [5, 1, 3], [10, 2, 1], 'p1'],
    ['all at once', [9, 4, 7], [0, 0, 0], 'p1'],
  ])(
    'reports the lowest priority number when all fail on their own: %s',
    async (_why, priorities, delays, winner) => {
      const controller = new AbortController();
      const parts = ['p0', 'p1', 'p2'].map((name, i) => ({
        priority: priorities[i] ?? 0,
        promise: failAfter(delays[i] ?? 0, new Error(name)),
      }));
      const error = await caught(runTogether(parts, controller));
      expect((error as Error).message).toBe(winner);
    },
  );

  it.each([
    ['an AbortError', abortError],
    ['an ABORT_ERR code', () => Object.assign(new Error('aborted'), { code: 'ABORT_ERR' })],
    [
      'a DOMException AbortError',
      () => new DOMException('This operation was aborted', 'AbortError'),
    ],
    ['pg_dump killed by SIGTERM after the abort', () => sigterm('pg_dump')],
    ['pg_restore killed by SIGTERM after the abort', () => sigterm('pg_restore')],
  ])(
    'does not report %s from a higher-priority part when a real cause exists',
    async (_what, echo) => {
      const controller = new AbortController();
      const cause = new Error('The archive did not verify');
      const error = await caught(
        runTogether(
          [
            { priority: 0, promise: echoOnAbort(controller, echo) },
            { priority: 1, promise: echoOnAbort(controller, echo) },
            { priority: 2, promise: failAfter(2, cause) },
          ],
          controller,
        ),
      );
      expect(error).toBe(cause);
    },
  );

  it('reports a SIGTERM that came before any abort: it is a cause', async () => {
    const controller = new AbortController();
    const killed = sigterm('pg_dump');
    const later = new Error('later failure');
    const error = await caught(
      runTogether(
        [
          { priority: 0, promise: failAfter(1, killed) },
          { priority: 1, promise: failAfter(20, later) },
        ],
        controller,
      ),
    );
    expect(error).toBe(killed);
  });

  it('reports other process failures after an abort as causes', async () => {
    const controller = new AbortController();
    const exit1 = new ProcessError('pg_dump', 'exit code 1', 'pg_dump: error: permission denied');
    const verify = new Error('verify failed');
    const error = await caught(
      runTogether(
        [
          { priority: 0, promise: echoOnAbort(controller, () => exit1) },
          { priority: 2, promise: failAfter(1, verify) },
        ],
        controller,
      ),
    );
    // exit code 1 is not an abort echo, and its priority is higher
    expect(error).toBe(exit1);
  });

  it('reports the highest-priority echo when every failure is an echo', async () => {
    const controller = new AbortController();
    const first = abortError();
    const second = abortError();
    const error = await caught(
      runTogether(
        [
          { priority: 3, promise: failAfter(1, first) },
          { priority: 1, promise: echoOnAbort(controller, () => second) },
        ],
        controller,
      ),
    );
    expect(error).toBe(second);
  });

  it('rethrows a non-Error rejection as it is', async () => {
    const controller = new AbortController();
    // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- the point of the test
    const promise = Promise.reject('boom');
    expect(await caught(runTogether([{ priority: 0, promise }], controller))).toBe('boom');
  });

  // Regression: isAbortEcho reads `.name` of the rejection reason, so a part rejecting with undefined or
  // null throws a TypeError inside the catch handler: the others are not aborted or awaited.
  it('handles a part that rejects with undefined: aborts the others and waits', async () => {
    const controller = new AbortController();
    let settled = false;
    // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- the point of the test
    const bare = Promise.reject(undefined);
    const other = echoOnAbort(controller, abortError).finally(() => (settled = true));
    const error = await caught(
      runTogether(
        [
          { priority: 0, promise: bare },
          { priority: 1, promise: other },
        ],
        controller,
      ),
    );
    expect({ error, aborted: controller.signal.aborted, settled }).toEqual({
      error: undefined,
      aborted: true,
      settled: true,
    });
  });
});
