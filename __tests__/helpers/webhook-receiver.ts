// A local webhook receiver (node:http on 127.0.0.1) that records every request and answers as told.
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach } from '@jest/globals';

/** One request the receiver saw. */
export interface ReceivedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  /** Milliseconds since the receiver started. */
  at: number;
}

/** How the receiver answers its n-th request (1-based): an HTTP status, or never ('hang'). */
export type Answer = (n: number) => number | 'hang';

/** A running receiver. */
export interface WebhookReceiver {
  /** Its URL, with a secret-looking token path as Slack's incoming webhooks have. */
  url: string;
  requests: ReceivedRequest[];
  close(): Promise<void>;
}

/** The secret part of every receiver URL's path, to check that nothing prints or posts it. */
export const WEBHOOK_TOKEN = 'T0000000/B0000000/hookSecretToken42';

/** Starts a receiver that answers each request with `answer(n)`. */
export async function startReceiver(answer: Answer = () => 200): Promise<WebhookReceiver> {
  const started = Date.now();
  const requests: ReceivedRequest[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      requests.push({
        method: req.method ?? '',
        path: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
        at: Date.now() - started,
      });
      const status = answer(requests.length);
      if (status === 'hang') return;
      res.writeHead(status, { 'content-type': 'text/plain' }).end(status < 300 ? 'ok' : 'nope');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/services/${WEBHOOK_TOKEN}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A URL on 127.0.0.1 where nothing listens (a port just released). */
export async function closedPortUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}/services/${WEBHOOK_TOKEN}`;
}

/** A receiver factory for a test file: every receiver it starts is closed after each test. */
export function useReceivers(): (answer?: Answer) => Promise<WebhookReceiver> {
  const open: WebhookReceiver[] = [];
  afterEach(async () => {
    for (const r of open.splice(0)) await r.close();
  });
  return async (answer?: Answer) => {
    const r = await startReceiver(answer);
    open.push(r);
    return r;
  };
}
