import { Writable } from 'node:stream';
import { finished } from 'node:stream/promises';

/**
 * One writable that feeds several (one per storage location) and waits for the slowest.
 * Every target is watched for its whole life: the first target error fails the fan-out, and
 * tearing down never hands an error to a healthy target (nobody would be listening for it).
 */
export function fanOut(targets: Writable[]): Writable {
  if (targets.length === 1 && targets[0]) return targets[0];
  let failure: Error | undefined;
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      if (failure) return done(failure);
      const waits = targets.filter((t) => !t.write(chunk)).map(drained);
      Promise.all(waits).then(() => done(failure), done);
    },
    final(done) {
      for (const t of targets) t.end();
      Promise.all(targets.map((t) => finished(t))).then(() => done(), done);
    },
    destroy(error, done) {
      for (const t of targets) t.destroy();
      done(error);
    },
  });
  for (const t of targets) {
    t.on('error', (error: Error) => {
      failure ??= error;
      sink.destroy(error);
    });
  }
  return sink;
}

function drained(target: Writable): Promise<void> {
  return new Promise((resolve, reject) => {
    const settle = (error?: Error) => {
      target.off('drain', onDrain).off('close', onClose).off('error', onError);
      if (error) reject(error);
      else resolve();
    };
    const onDrain = () => settle();
    const onClose = () =>
      settle(new Error('a storage stream closed before the backup was complete'));
    const onError = (error: Error) => settle(error);
    target.on('drain', onDrain).on('close', onClose).on('error', onError);
    if (target.destroyed) onClose();
  });
}
