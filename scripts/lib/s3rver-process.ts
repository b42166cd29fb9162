/**
 * The local S3 of the tests, run as `node --openssl-legacy-provider s3rver-process.ts DIR BUCKET...`
 * (plain Node type stripping: no imports of project files). Prints `port N` once listening on
 * 127.0.0.1 and exits when its stdin closes.
 *
 * s3rver 3.7.1 lacks two calls this project relies on: ListMultipartUploads answers 501 and
 * AbortMultipartUpload 405. This server answers both itself from s3rver's own upload directories
 * (`DIR/<bucket>/._S3rver_uploads/<uploadId>/{key,metadata,<part>}`), so an aborted upload really
 * disappears and `aws s3api list-multipart-uploads` shows what is pending. Everything else goes
 * to s3rver unchanged.
 */
import { readdir, readFile, rm, stat } from 'node:fs/promises';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import S3rver from 's3rver';

const [directory = '', ...buckets] = process.argv.slice(2);
const s3rver = new S3rver({
  silent: true,
  directory,
  configureBuckets: buckets.map((name) => ({ name })),
});
await s3rver.configureBuckets();
const forward = s3rver.callback();
const server = http.createServer((req, res) => {
  // A failure of the shim answers 500 like a real service would, never crashes the server.
  shim(req, res).then(
    (handled) => handled || forward(req, res),
    () => reply(res, 500, '<Error><Code>InternalError</Code></Error>'),
  );
});
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`port ${(server.address() as AddressInfo).port}\n`);
});
// A part still being written while its upload is aborted fails inside s3rver (ENOENT on its part
// file): S3 would answer NoSuchUpload; here that one request fails and the server goes on.
process.on('uncaughtException', (error: NodeJS.ErrnoException) => {
  if (error.code === 'ENOENT' && String(error.path).includes('._S3rver_uploads')) return;
  throw error;
});
process.stdin.resume();
process.stdin.on('end', () => {
  server.closeAllConnections();
  server.close(() => process.exit(0));
});

async function shim(req: IncomingMessage, res: ServerResponse): Promise<boolean> {
  const url = new URL(req.url ?? '/', 'http://s3');
  const [bucket = '', ...rest] = url.pathname.slice(1).split('/');
  const key = decodeURIComponent(rest.join('/'));
  const uploads = join(directory, bucket, '._S3rver_uploads');
  if (req.method === 'GET' && !key && url.searchParams.has('uploads')) {
    reply(res, 200, await listUploadsXml(bucket, uploads));
    return true;
  }
  const uploadId = url.searchParams.get('uploadId');
  // A part for an upload already aborted: S3 answers NoSuchUpload (s3rver would write into a
  // directory that is gone).
  if (req.method === 'PUT' && key && uploadId) {
    const dir = join(uploads, uploadId.replace(/[^0-9a-f]/gi, ''));
    if (await stat(dir).catch(() => undefined)) return false;
    req.resume();
    reply(res, 404, noSuchUpload());
    return true;
  }
  if (req.method === 'DELETE' && key && uploadId) {
    const dir = join(uploads, uploadId.replace(/[^0-9a-f]/gi, ''));
    if (!(await stat(dir).catch(() => undefined))) {
      reply(res, 404, noSuchUpload());
    } else {
      // A part still being written may add a file while the directory is removed (ENOTEMPTY).
      await rm(dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 50 });
      reply(res, 204, '');
    }
    return true;
  }
  return false;
}

async function listUploadsXml(bucket: string, uploads: string): Promise<string> {
  const ids = await readdir(uploads).catch(() => [] as string[]);
  const items = await Promise.all(
    ids.map(async (id) => {
      const key = await readFile(join(uploads, id, 'key'), 'utf8').catch(() => undefined);
      const initiated = (await stat(join(uploads, id)).catch(() => undefined))?.mtime.toISOString();
      // An upload being aborted at this moment is not listed.
      if (key === undefined || initiated === undefined) return '';
      return `<Upload><Key>${xml(key)}</Key><UploadId>${id}</UploadId><Initiated>${initiated}</Initiated><StorageClass>STANDARD</StorageClass></Upload>`;
    }),
  );
  return `<?xml version="1.0" encoding="UTF-8"?><ListMultipartUploadsResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Bucket>${xml(bucket)}</Bucket><KeyMarker></KeyMarker><UploadIdMarker></UploadIdMarker><MaxUploads>1000</MaxUploads><IsTruncated>false</IsTruncated>${items.join('')}</ListMultipartUploadsResult>`;
}

function noSuchUpload(): string {
  return '<?xml version="1.0" encoding="UTF-8"?><Error><Code>NoSuchUpload</Code><Message>The specified upload does not exist.</Message></Error>';
}

function reply(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, { 'content-type': 'application/xml' });
  res.end(body);
}

function xml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
