// A stand-in for GitHub's artifact backend, for tests that run the REAL @actions/artifact client:
// - the results service's Twirp JSON endpoints (CreateArtifact, FinalizeArtifact, ListArtifacts,
//   GetSignedArtifactURL, DeleteArtifact) at ACTIONS_RESULTS_URL,
// - the REST API parts used for other runs (list a run's artifacts, the download redirect, delete)
//   at GITHUB_API_URL,
// - the blob side is azurite (./azurite.ts): CreateArtifact and GetSignedArtifactURL hand out SAS
//   URLs of its blobs, as the real service hands out signed Azure Blob URLs.
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startAzurite, type Azurite } from './azurite.js';

const TWIRP = '/twirp/github.actions.results.api.v1.ArtifactService/';

/** One artifact as the fake backend stores it. */
export interface FakeArtifact {
  id: number;
  runId: number;
  name: string;
  blobName: string;
  finalized: boolean;
  size: number;
  /** `sha256:<hex>`, as FinalizeArtifact reported it. */
  digest?: string;
  createdAt: Date;
  expiresAt?: Date;
  mimeType?: string;
}

/** A workflow run known to the fake: its numeric id and the backend ids in its runtime token. */
export interface FakeRun {
  runId: number;
  backendRunId: string;
  backendJobId: string;
  /** The environment a runner gives a JavaScript action of this run. */
  env: Record<string, string>;
}

/** Failures the fake can be told to produce. */
export interface FaultSwitches {
  /** CreateArtifact answers like a repository over its storage quota. */
  quotaExceeded: boolean;
  /** The REST API answers 403 (a token without `actions: read`). */
  apiForbidden: boolean;
}

/** The running fake backend. */
export interface ArtifactService {
  /** The run the default env belongs to. */
  run: FakeRun;
  /** The repository the runs belong to. */
  repository: string;
  /** The token the REST API accepts. */
  apiToken: string;
  /** Twirp methods and REST routes called, in order (e.g. `CreateArtifact`, `GET runs/artifacts`). */
  calls: string[];
  faults: FaultSwitches;
  /** Registers another run of the same repository (e.g. last night's scheduled run). */
  newRun(): FakeRun;
  /** The finalized artifacts of a run (default: the service's run). */
  artifacts(runId?: number): FakeArtifact[];
  /** The stored bytes of an artifact, read straight from azurite. */
  blobBytes(artifact: FakeArtifact): Promise<Buffer>;
  /** Replaces the stored bytes of an artifact (to simulate damage after upload). */
  overwriteBlob(artifact: FakeArtifact, bytes: Buffer): Promise<void>;
  stop(): Promise<void>;
}

/** Starts azurite and the fake service on 127.0.0.1 and free ports. */
export async function startArtifactService(): Promise<ArtifactService> {
  const azurite = await startAzurite('actions-results');
  const blobs = azurite.container;
  const state = new BackendState(azurite);
  const server = createServer((req, res) => void handle(state, req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const run = state.newRun();
  return {
    run,
    repository: state.repository,
    apiToken: state.apiToken,
    calls: state.calls,
    faults: state.faults,
    newRun: () => state.newRun(),
    artifacts: (runId = run.runId) =>
      state.artifacts.filter((a) => a.runId === runId && a.finalized),
    blobBytes: (a) => blobs.getBlockBlobClient(a.blobName).downloadToBuffer(),
    overwriteBlob: async (a, bytes) => {
      await blobs.getBlockBlobClient(a.blobName).uploadData(bytes);
    },
    stop: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await azurite.stop();
    },
  };
}

class BackendState {
  baseUrl = '';
  readonly repository = 'octo-org/app';
  readonly apiToken = `ghs_${randomUUID().replace(/-/g, '')}`;
  readonly calls: string[] = [];
  readonly faults: FaultSwitches = { quotaExceeded: false, apiForbidden: false };
  readonly artifacts: FakeArtifact[] = [];
  private readonly runs: FakeRun[] = [];
  private nextId = 1000;

  constructor(private readonly azurite: Azurite) {}

  get blobs(): Azurite['container'] {
    return this.azurite.container;
  }

  newRun(): FakeRun {
    const backendRunId = randomUUID();
    const backendJobId = randomUUID();
    const runId = 7_000_000_000 + this.runs.length;
    const scp = `Actions.GenericRead:00000000-0000-0000-0000-000000000000 Actions.Results:${backendRunId}:${backendJobId}`;
    const run: FakeRun = {
      runId,
      backendRunId,
      backendJobId,
      env: {
        ACTIONS_RUNTIME_TOKEN: unsignedJwt({ scp, exp: Math.floor(Date.now() / 1000) + 3600 }),
        ACTIONS_RESULTS_URL: `${this.baseUrl}/`,
        GITHUB_API_URL: this.baseUrl,
        GITHUB_SERVER_URL: 'https://github.com',
        GITHUB_REPOSITORY: this.repository,
        GITHUB_RUN_ID: String(runId),
      },
    };
    this.runs.push(run);
    return run;
  }

  runOfToken(header: string | undefined): FakeRun | undefined {
    const token = /^Bearer (.+)$/.exec(header ?? '')?.[1] ?? '';
    const payload = JSON.parse(
      Buffer.from(token.split('.')[1] ?? '', 'base64url').toString() || '{}',
    ) as {
      scp?: string;
    };
    const ids = /Actions\.Results:([^:\s]+):([^:\s]+)/.exec(payload.scp ?? '');
    return this.runs.find((r) => r.backendRunId === ids?.[1] && r.backendJobId === ids?.[2]);
  }

  runById(runId: number): FakeRun | undefined {
    return this.runs.find((r) => r.runId === runId);
  }

  find(runId: number, name: string): FakeArtifact | undefined {
    return this.artifacts.find((a) => a.runId === runId && a.name === name && a.finalized);
  }

  create(run: FakeRun, name: string, expiresAt?: Date, mimeType?: string): FakeArtifact {
    const id = this.nextId++;
    const artifact: FakeArtifact = {
      id,
      runId: run.runId,
      name,
      blobName: `${run.backendRunId}/${id}/${name}`,
      finalized: false,
      size: 0,
      createdAt: new Date(),
      expiresAt,
      mimeType,
    };
    this.artifacts.push(artifact);
    return artifact;
  }

  remove(artifact: FakeArtifact): void {
    this.artifacts.splice(this.artifacts.indexOf(artifact), 1);
  }

  /** A SAS URL for one blob, as the real service hands out signed URLs. */
  signedUrl(artifact: FakeArtifact, permissions: 'cw' | 'r'): string {
    const download = permissions === 'r' ? artifact.name : undefined;
    return this.azurite.signedUrl(artifact.blobName, permissions, download);
  }
}

async function handle(
  state: BackendState,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  try {
    const url = new URL(req.url ?? '/', state.baseUrl);
    if (req.method === 'POST' && url.pathname.startsWith(TWIRP)) {
      const method = url.pathname.slice(TWIRP.length);
      state.calls.push(method);
      await twirp(state, method, req, res);
      return;
    }
    await rest(state, req, url, res);
  } catch (error) {
    send(res, 500, { code: 'internal', msg: String(error) });
  }
}

type Json = Record<string, unknown>;

async function twirp(
  state: BackendState,
  method: string,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const run = state.runOfToken(req.headers.authorization);
  if (!run) return send(res, 401, { code: 'unauthenticated', msg: 'invalid runtime token' });
  const body = JSON.parse(await readBody(req)) as Json;
  if (body.workflow_run_backend_id !== run.backendRunId)
    return send(res, 403, { code: 'permission_denied', msg: 'token is not for this run' });
  const name = typeof body.name === 'string' ? body.name : '';
  switch (method) {
    case 'CreateArtifact': {
      if (state.faults.quotaExceeded)
        return send(res, 429, {
          code: 'resource_exhausted',
          msg: 'insufficient usage to create artifact',
        });
      if (state.find(run.runId, name))
        return send(res, 409, {
          code: 'already_exists',
          msg: 'an artifact with this name already exists on the workflow run',
        });
      const expires = typeof body.expires_at === 'string' ? new Date(body.expires_at) : undefined;
      const mime = typeof body.mime_type === 'string' ? body.mime_type : undefined;
      const artifact = state.create(run, name, expires, mime);
      return send(res, 200, { ok: true, signed_upload_url: state.signedUrl(artifact, 'cw') });
    }
    case 'FinalizeArtifact': {
      const artifact = state.artifacts.find(
        (a) => a.runId === run.runId && a.name === name && !a.finalized,
      );
      if (!artifact) return send(res, 404, { code: 'not_found', msg: 'no artifact to finalize' });
      Object.assign(artifact, {
        finalized: true,
        size: Number(body.size ?? 0),
        digest: typeof body.hash === 'string' ? body.hash : undefined,
      });
      return send(res, 200, { ok: true, artifact_id: String(artifact.id) });
    }
    case 'ListArtifacts': {
      const list = state.artifacts.filter(
        (a) =>
          a.runId === run.runId &&
          a.finalized &&
          (body.name_filter === undefined || a.name === body.name_filter) &&
          (body.id_filter === undefined || String(a.id) === (body.id_filter as string)),
      );
      return send(res, 200, { artifacts: list.map((a) => monolith(run, a)) });
    }
    case 'GetSignedArtifactURL': {
      const artifact = state.find(run.runId, name);
      if (!artifact) return send(res, 404, { code: 'not_found', msg: 'artifact not found' });
      return send(res, 200, { signed_url: state.signedUrl(artifact, 'r') });
    }
    case 'DeleteArtifact': {
      const artifact = state.find(run.runId, name);
      if (!artifact) return send(res, 404, { code: 'not_found', msg: 'artifact not found' });
      await state.blobs.getBlockBlobClient(artifact.blobName).deleteIfExists();
      state.remove(artifact);
      return send(res, 200, { ok: true, artifact_id: String(artifact.id) });
    }
    default:
      return send(res, 404, { code: 'bad_route', msg: `no method ${method}` });
  }
}

function monolith(run: FakeRun, a: FakeArtifact): Json {
  return {
    workflow_run_backend_id: run.backendRunId,
    workflow_job_run_backend_id: run.backendJobId,
    database_id: String(a.id),
    name: a.name,
    size: String(a.size),
    created_at: a.createdAt.toISOString(),
    ...(a.digest ? { digest: a.digest } : {}),
  };
}

async function rest(
  state: BackendState,
  req: IncomingMessage,
  url: URL,
  res: ServerResponse,
): Promise<void> {
  const route = restRoute(req.method ?? 'GET', url.pathname);
  state.calls.push(route ? `${req.method} ${route.kind}` : `${req.method} ${url.pathname}`);
  if (!route) return send(res, 404, { message: 'Not Found' });
  const token = /^(?:token|bearer) (.+)$/i.exec(req.headers.authorization ?? '')?.[1];
  if (token !== state.apiToken) return send(res, 401, { message: 'Bad credentials' });
  if (state.faults.apiForbidden)
    return send(res, 403, { message: 'Resource not accessible by integration' });
  if (route.repository !== state.repository) return send(res, 404, { message: 'Not Found' });
  if (route.kind === 'runs/artifacts') {
    const run = state.runById(route.id);
    if (!run) return send(res, 404, { message: 'Not Found' });
    return listRunArtifacts(state, run, url, res);
  }
  const artifact = state.artifacts.find((a) => a.id === route.id && a.finalized);
  if (!artifact) return send(res, 404, { message: 'Not Found' });
  if (route.kind === 'artifact/zip') {
    res.writeHead(302, { location: state.signedUrl(artifact, 'r') }).end();
    return;
  }
  await state.blobs.getBlockBlobClient(artifact.blobName).deleteIfExists();
  state.remove(artifact);
  res.writeHead(204).end();
}

interface RestRoute {
  kind: 'runs/artifacts' | 'artifact/zip' | 'artifact/delete';
  repository: string;
  id: number;
}

function restRoute(method: string, path: string): RestRoute | undefined {
  const runs = /^\/repos\/([^/]+\/[^/]+)\/actions\/runs\/(\d+)\/artifacts$/.exec(path);
  if (method === 'GET' && runs)
    return { kind: 'runs/artifacts', repository: runs[1] ?? '', id: Number(runs[2]) };
  const zip = /^\/repos\/([^/]+\/[^/]+)\/actions\/artifacts\/(\d+)\/zip$/.exec(path);
  if (method === 'GET' && zip)
    return { kind: 'artifact/zip', repository: zip[1] ?? '', id: Number(zip[2]) };
  const one = /^\/repos\/([^/]+\/[^/]+)\/actions\/artifacts\/(\d+)$/.exec(path);
  if (method === 'DELETE' && one)
    return { kind: 'artifact/delete', repository: one[1] ?? '', id: Number(one[2]) };
  return undefined;
}

function listRunArtifacts(state: BackendState, run: FakeRun, url: URL, res: ServerResponse): void {
  const name = url.searchParams.get('name');
  const perPage = Number(url.searchParams.get('per_page') ?? 30);
  const page = Number(url.searchParams.get('page') ?? 1);
  const all = state.artifacts.filter(
    (a) => a.runId === run.runId && a.finalized && (name === null || a.name === name),
  );
  const slice = all.slice((page - 1) * perPage, page * perPage);
  send(res, 200, {
    total_count: all.length,
    artifacts: slice.map((a) => ({
      id: a.id,
      node_id: `MDg6QXJ0aWZhY3Q${a.id}`,
      name: a.name,
      size_in_bytes: a.size,
      url: `${state.baseUrl}/repos/${state.repository}/actions/artifacts/${a.id}`,
      archive_download_url: `${state.baseUrl}/repos/${state.repository}/actions/artifacts/${a.id}/zip`,
      expired: false,
      digest: a.digest ?? null,
      created_at: a.createdAt.toISOString(),
      updated_at: a.createdAt.toISOString(),
      expires_at: a.expiresAt?.toISOString() ?? null,
      workflow_run: { id: run.runId },
    })),
  });
}

function send(res: ServerResponse, status: number, body: Json): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8') || '{}';
}

function unsignedJwt(payload: Json): string {
  const part = (o: Json) => Buffer.from(JSON.stringify(o)).toString('base64url');
  return `${part({ alg: 'none', typ: 'JWT' })}.${part(payload)}.`;
}
