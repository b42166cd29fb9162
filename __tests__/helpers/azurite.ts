// azurite (Microsoft's Azure Storage emulator, npm) as the blob side of workflow artifacts: blob
// service only, on 127.0.0.1 and a free port, data in a temp directory, SAS URLs signed with the
// emulator's well-known development account key.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  BlobSASPermissions,
  BlobServiceClient,
  generateBlobSASQueryParameters,
  StorageSharedKeyCredential,
  type ContainerClient,
} from '@azure/storage-blob';
import { REPO } from '../../scripts/lib/repo.js';

const ACCOUNT = 'devstoreaccount1';
/** Azurite's documented development key (public, the same in every installation). */
const ACCOUNT_KEY =
  'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

/** A running azurite blob service with one container. */
export interface Azurite {
  /** The container, with shared-key access. */
  container: ContainerClient;
  /** A SAS URL for one blob: `cw` to upload, `r` to download (then named `downloadName`). */
  signedUrl(blobName: string, permissions: 'cw' | 'r', downloadName?: string): string;
  stop(): Promise<void>;
}

/** Starts azurite-blob from node_modules/.bin and creates `containerName`. */
export async function startAzurite(containerName: string): Promise<Azurite> {
  const location = await mkdtemp(join(tmpdir(), 'azurite-'));
  const port = await freePort();
  const bin = join(REPO, 'node_modules', '.bin', 'azurite-blob');
  const args = ['--blobHost', '127.0.0.1', '--blobPort', String(port), '--location', location];
  const flags = ['--skipApiVersionCheck', '--loose', '--silent', '--disableTelemetry'];
  const child = spawn(bin, [...args, ...flags], { stdio: ['ignore', 'pipe', 'pipe'] });
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
    await rm(location, { recursive: true, force: true });
  };
  const credential = new StorageSharedKeyCredential(ACCOUNT, ACCOUNT_KEY);
  const endpoint = `http://127.0.0.1:${port}/${ACCOUNT}`;
  const container = new BlobServiceClient(endpoint, credential).getContainerClient(containerName);
  try {
    await waitForListening(child);
    await container.createIfNotExists();
  } catch (error) {
    await stop();
    throw error;
  }
  const signedUrl = (blobName: string, permissions: 'cw' | 'r', downloadName?: string) => {
    const sas = generateBlobSASQueryParameters(
      {
        containerName,
        blobName,
        permissions: BlobSASPermissions.parse(permissions),
        expiresOn: new Date(Date.now() + 3600_000),
        contentDisposition: downloadName && `attachment; filename="${downloadName}"`,
      },
      credential,
    );
    return `${container.getBlockBlobClient(blobName).url}?${sas.toString()}`;
  };
  return { container, signedUrl, stop };
}

function waitForListening(child: ChildProcess): Promise<void> {
  let output = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(new Error(`azurite did not start within 30 s:\n${output}`));
    }, 30_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (!/successfully listen(s|ing) on/i.test(output)) return;
      clearTimeout(timer);
      resolve();
    };
    // Keep reading after the start so that a chatty azurite never blocks on a full pipe.
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('error', reject);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`azurite exited with ${code}:\n${output}`));
    });
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
