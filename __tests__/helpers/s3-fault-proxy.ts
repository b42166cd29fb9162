/**
 * The one S3 proxy of the tests: in front of the local S3 (scripts/lib/s3-server.ts), it passes,
 * delays, fails, hangs or cuts each request as the test's `decide` says, records every request,
 * and tells the S3 calls apart (CreateMultipartUpload, UploadPart, PutObject).
 */
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What the proxy does with one request. */
export type ProxyAction =
  | 'pass'
  /** Cut the connection as soon as the request arrives. */
  | 'destroy'
  /** Never answer (until the proxy stops). */
  | 'hang'
  /** Cut the connection after this many bytes of the request body. */
  | { resetAfterBytes: number }
  /** Pass it on after this many milliseconds. */
  | { delayMs: number }
  /** Answer this instead of S3. */
  | { status: number; body: string; headers?: Record<string, string> };

/** A proxy in front of an S3 endpoint; `decide` picks each request's fate. */
export interface S3Proxy {
  endpoint: string;
  /**
   * Requests seen, as `METHOD path?query`, then ` -> FATE` (JSON) unless it was passed on, then
   * ` [If-None-Match]` when the header was sent.
   */
  seen: string[];
  stop(): Promise<void>;
}

/** An S3 error document. */
export function errorXml(code: string, message: string, extra = ''): string {
  return `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>${xml(message)}</Message>${extra}<RequestId>test</RequestId></Error>`;
}

function xml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Whether a request is an UploadPart (PUT with partNumber and uploadId). */
export function isUploadPart(req: IncomingMessage): boolean {
  return (
    req.method === 'PUT' && /[?&]partNumber=/.test(req.url ?? '') && /uploadId=/.test(req.url ?? '')
  );
}

/** Whether a request is a CreateMultipartUpload. */
export const isCreateMultipart = (req: IncomingMessage): boolean =>
  req.method === 'POST' && /[?&]uploads(=|&|$)/.test(req.url ?? '');

/** Whether a request is a PUT of a part (partNumber in the query). */
export const isPart = (req: IncomingMessage): boolean =>
  req.method === 'PUT' && /[?&]partNumber=/.test(req.url ?? '');

/** Whether a request is a PutObject (not a part) of a key matching `key`. */
export const isPutOf = (req: IncomingMessage, key: RegExp): boolean =>
  req.method === 'PUT' && !/[?&]partNumber=/.test(req.url ?? '') && key.test(req.url ?? '');

/** Starts a proxy to `target` that treats each request as `decide` says. */
export async function startS3Proxy(
  target: string,
  decide: (req: IncomingMessage) => ProxyAction,
): Promise<S3Proxy> {
  const upstream = new URL(target);
  const seen: string[] = [];
  const server = http.createServer((req, res) => {
    const action = decide(req);
    seen.push(describe(req, action));
    act(req, res, action, upstream);
  });
  const port = await listen(server);
  return {
    endpoint: `http://127.0.0.1:${port}`,
    seen,
    stop: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

function describe(req: IncomingMessage, action: ProxyAction): string {
  const fate =
    action === 'pass' ? '' : ` -> ${typeof action === 'string' ? action : JSON.stringify(action)}`;
  return `${req.method} ${req.url}${fate}${req.headers['if-none-match'] ? ' [If-None-Match]' : ''}`;
}

function act(req: IncomingMessage, res: ServerResponse, action: ProxyAction, upstream: URL): void {
  if (action === 'pass') return forward(req, res, upstream);
  if (action === 'destroy') return void req.socket.destroy();
  if (action === 'hang') return void req.resume();
  if ('resetAfterBytes' in action) return cutAfter(req, action.resetAfterBytes);
  if ('delayMs' in action) {
    req.pause();
    return void setTimeout(() => forward(req, res, upstream), action.delayMs);
  }
  req.resume();
  req.on('end', () => {
    res.writeHead(action.status, { 'content-type': 'application/xml', ...action.headers });
    res.end(action.body);
  });
}

function cutAfter(req: IncomingMessage, bytes: number): void {
  let got = 0;
  req.on('data', (d: Buffer) => {
    got += d.length;
    if (got >= bytes) req.socket.destroy();
  });
}

/** Passes a request on to the upstream server and its answer back. */
function forward(req: IncomingMessage, res: ServerResponse, upstream: URL): void {
  const out = http.request(
    {
      host: upstream.hostname,
      port: upstream.port,
      method: req.method,
      path: req.url,
      headers: req.headers,
    },
    (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.pipe(res);
    },
  );
  out.on('error', () => res.destroy());
  req.pipe(out);
}

function listen(server: http.Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
  });
}
