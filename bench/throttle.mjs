// The network of the network-bound cases: a TCP proxy in front of the bench server whose
// server → client direction passes at most `bytesPerSecond` (a token bucket with a 20 ms burst),
// as a runner's link to a remote database would; client → server passes as it comes.
import { createConnection, createServer } from 'node:net';
import { performance } from 'node:perf_hooks';

const BURST_MS = 20;

/** Starts the proxy on 127.0.0.1 (a free port) in front of `target`; resolves to its port and stop(). */
export function startThrottleProxy({ host = '127.0.0.1', port, bytesPerSecond }) {
  const sockets = new Set();
  const server = createServer((client) => {
    const upstream = createConnection(port, host);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
    }
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
    client.on('close', () => upstream.destroy());
    client.pipe(upstream);
    throttle(upstream, client, bytesPerSecond);
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () =>
      resolve({
        port: /** @type {import('node:net').AddressInfo} */ (server.address()).port,
        stop: () =>
          new Promise((done) => {
            for (const s of sockets) s.destroy();
            server.close(() => done());
          }),
      }),
    );
  });
}

/** Copies `from` to `to`, holding each chunk until the bucket has room for it. */
function throttle(from, to, bytesPerSecond) {
  let due = 0;
  from.on('data', (chunk) => {
    const now = performance.now();
    due = Math.max(due, now) + (chunk.length / bytesPerSecond) * 1000;
    const wait = due - now - BURST_MS;
    if (wait <= 0) {
      to.write(chunk);
      return;
    }
    from.pause();
    setTimeout(() => {
      to.write(chunk);
      from.resume();
    }, wait);
  });
  // 'end' comes after the last chunk was taken, so after every delayed write was made.
  from.on('end', () => to.end());
}
