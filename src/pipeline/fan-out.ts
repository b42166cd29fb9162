import { Writable } from 'node:stream';
import { finished } from 'node:stream/promises';

/** One writable that feeds several (one per storage location) and waits for the slowest. */
export function fanOut(targets: Writable[]): Writable {
  if (targets.length === 1 && targets[0]) return targets[0];
  return new Writable({
    write(chunk: Buffer, _enc, done) {
      const waits = targets.filter((t) => !t.write(chunk)).map((t) => drained(t));
      Promise.all(waits).then(() => done(), done);
    },
    final(done) {
      for (const t of targets) t.end();
      Promise.all(targets.map((t) => finished(t))).then(() => done(), done);
    },
    destroy(error, done) {
      for (const t of targets) t.destroy(error ?? undefined);
      done(error);
    },
  });
}

function drained(target: Writable): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (error: Error) => reject(error);
    const onClose = () =>
      reject(new Error('a storage stream closed before the backup was complete'));
    target.once('error', onError);
    target.once('close', onClose);
    target.once('drain', () => {
      target.off('error', onError);
      target.off('close', onClose);
      resolve();
    });
  });
}
