import { once } from 'node:events';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
import * as core from '@actions/core';
import type { Artifact, ArtifactClient, FindOptions } from '@actions/artifact';
import { ActionError } from '../errors.js';
import type { ArtifactSettings } from '../settings.js';
import {
  NO_ARTIFACT_RUNTIME,
  checkArtifactHost,
  checkArtifactPrefix,
  explainArtifactError,
  hasArtifactRuntime,
  isArtifactNotFound,
} from './artifact-errors.js';
import { readSmallFile } from './small-object.js';
import type { Committed, ObjectWriter, Store, StoredFile } from './store.js';

/** What an ArtifactStore needs besides its NAME. */
export interface ArtifactStoreOptions {
  /** The artifact-* inputs and github-token. */
  settings?: ArtifactSettings;
  /** The process environment (ACTIONS_RUNTIME_TOKEN, ACTIONS_RESULTS_URL, GITHUB_REPOSITORY, RUNNER_TEMP). */
  env: NodeJS.ProcessEnv;
  /** The artifact client; tests may pass their own. */
  client?: ArtifactClient;
  /** Where private spool and download directories are made; default RUNNER_TEMP. */
  tempDir?: string;
}

type FindBy = NonNullable<FindOptions['findBy']>;

/**
 * Workflow artifacts, one artifact per object, uploaded unzipped (`skipArchive`). The artifact of
 * file F is named `NAME-F` for `artifact://NAME` and `F` for `artifact://`; the client names a
 * skipArchive artifact after its file, so the spool file carries that name. Reads and deletes go to
 * this run (results service), or to `artifact-run-id`'s run (REST API, `findBy`); writes go to this
 * run only.
 */
export class ArtifactStore implements Store {
  readonly description: string;
  private loaded?: Promise<ArtifactClient>;
  private readonly prefix: string;
  private readonly findBy?: FindBy;
  private readonly source: string;

  constructor(
    name: string,
    private readonly options: ArtifactStoreOptions,
  ) {
    checkArtifactPrefix(name);
    checkArtifactHost(options.env);
    this.description = `artifact://${name}`;
    this.prefix = name ? `${name}-` : '';
    this.findBy = findByOf(options.settings ?? {}, options.env);
    this.source = this.findBy
      ? `run ${this.findBy.workflowRunId} of ${this.findBy.repositoryOwner}/${this.findBy.repositoryName}`
      : 'this run';
    if (!this.findBy) this.requireRuntime();
  }

  /** The artifact client, loaded on first use (a run with other storage never loads it). */
  private client(): Promise<ArtifactClient> {
    this.loaded ??= this.options.client
      ? Promise.resolve(this.options.client)
      : import('@actions/artifact').then((m) => new m.DefaultArtifactClient());
    return this.loaded;
  }

  /** Writes go to this run only, whose service refuses a second artifact of a name. */
  readonly runScoped = true;

  /** An artifact of this run: the service refuses a second of a name, so it is written as it is. */
  async createIfAbsent(fileName: string, body: string): Promise<boolean> {
    await this.writeSmall(fileName, body);
    return true;
  }

  async openWriter(fileName: string): Promise<ObjectWriter> {
    this.requireRuntime();
    const dir = await this.privateDir();
    const file = join(dir, this.artifactName(fileName));
    const stream = createWriteStream(file, { flags: 'wx', mode: 0o600 });
    return {
      stream,
      commit: async () => {
        try {
          await finished(stream);
          return await this.upload(fileName, file, dir);
        } finally {
          await removeDir(dir);
        }
      },
      abort: async () => {
        // Wait for the file to close: Windows cannot delete an open file.
        const closed = stream.closed ? Promise.resolve() : once(stream, 'close');
        stream.destroy();
        await closed.catch(() => undefined);
        await removeDir(dir);
      },
    };
  }

  async writeSmall(fileName: string, body: string): Promise<Committed> {
    this.requireRuntime();
    const dir = await this.privateDir();
    try {
      const file = join(dir, this.artifactName(fileName));
      await writeFile(file, body, { flag: 'wx', mode: 0o600 });
      return await this.upload(fileName, file, dir);
    } finally {
      await removeDir(dir);
    }
  }

  /** Artifact uploads read a finished file in the workspace; nothing stays half-written here. */
  abortUploads(): Promise<void> {
    return Promise.resolve();
  }

  localPath(): undefined {
    return undefined;
  }

  /** `artifact://ARTIFACT/FILE`: the artifact's own name (never empty), then the backup's file. */
  locationOf(fileName: string): string {
    return `artifact://${this.artifactName(fileName)}/${fileName}`;
  }

  /** The artifacts of the source run under this NAME; the listing gives no time of writing. */
  async list(prefix: string): Promise<StoredFile[]> {
    return (await this.listNames())
      .filter((fileName) => fileName.startsWith(prefix))
      .map((fileName) => ({ fileName }));
  }

  async readSmall(fileName: string): Promise<string> {
    const { dir, file } = await this.download(fileName);
    try {
      return await readSmallFile(file, this.locationOf(fileName));
    } finally {
      await removeDir(dir);
    }
  }

  async openReader(fileName: string): Promise<Readable> {
    const { dir, file } = await this.download(fileName);
    const stream = createReadStream(file);
    stream.once('close', () => void removeDir(dir));
    return new Promise((resolve, reject) => {
      stream.once('open', () => resolve(stream)).once('error', reject);
    });
  }

  /** Deletes this run's artifact (Twirp ListArtifacts + DeleteArtifact), or another run's (REST). */
  async remove(fileName: string): Promise<void> {
    if (!this.findBy) this.requireRuntime();
    const name = this.artifactName(fileName);
    try {
      await (await this.client()).deleteArtifact(name, this.findOptions());
    } catch (error) {
      if (isArtifactNotFound(error)) return;
      throw explainArtifactError(error, `Deleting artifact '${name}' of ${this.source}`);
    }
  }

  private async upload(fileName: string, file: string, dir: string): Promise<Committed> {
    const name = this.artifactName(fileName);
    const retentionDays = this.options.settings?.retentionDays;
    try {
      const { id } = await (
        await this.client()
      ).uploadArtifact(name, [file], dir, {
        skipArchive: true,
        retentionDays,
      });
      if (id === undefined) throw new Error('the artifact service returned no artifact id');
      return { location: this.locationOf(fileName), artifactId: id };
    } catch (error) {
      throw explainArtifactError(error, `Uploading artifact '${name}'`);
    }
  }

  /** Downloads one artifact into a private directory and checks the digest recorded at upload. */
  private async download(fileName: string): Promise<{ dir: string; file: string }> {
    const name = this.artifactName(fileName);
    const what = `Downloading artifact '${name}' of ${this.source}`;
    const { id, digest } = await this.find(name, what);
    const dir = await this.privateDir();
    try {
      const result = await (
        await this.client()
      ).downloadArtifact(id, {
        ...this.findOptions(),
        path: dir,
        expectedHash: digest,
        skipDecompress: true,
      });
      if (digest && result.digestMismatch) throw digestMismatch(name, id, digest);
      if (!digest)
        core.debug(`Artifact ${name} has no recorded digest; the manifest's is checked.`);
      return { dir, file: join(dir, await onlyFile(dir, name)) };
    } catch (error) {
      await removeDir(dir);
      throw explainArtifactError(error, what);
    }
  }

  /** The newest artifact of that name in the source run: its id and the digest recorded at upload. */
  private async find(name: string, what: string): Promise<Artifact> {
    try {
      return (await (await this.client()).getArtifact(name, this.findOptions())).artifact;
    } catch (error) {
      throw explainArtifactError(error, what);
    }
  }

  /** The file names (NAME- prefix removed) of the artifacts of the source run under this NAME. */
  private async listNames(): Promise<string[]> {
    try {
      const { artifacts } = await (
        await this.client()
      ).listArtifacts({
        latest: true,
        ...this.findOptions(),
      });
      return artifacts
        .map((a) => a.name)
        .filter((n) => n.startsWith(this.prefix))
        .map((n) => n.slice(this.prefix.length));
    } catch (error) {
      throw explainArtifactError(error, `Listing the artifacts of ${this.source}`);
    }
  }

  private artifactName(fileName: string): string {
    return `${this.prefix}${fileName}`;
  }

  private findOptions(): FindOptions {
    return this.findBy ? { findBy: this.findBy } : {};
  }

  private requireRuntime(): void {
    if (!hasArtifactRuntime(this.options.env)) throw new ActionError(NO_ARTIFACT_RUNTIME);
  }

  private async privateDir(): Promise<string> {
    const root = this.options.tempDir ?? (this.options.env.RUNNER_TEMP || tmpdir());
    await mkdir(root, { recursive: true });
    return mkdtemp(join(root, 'artifact-'));
  }
}

/** The findBy of another run (artifact-run-id), or undefined for this run. */
function findByOf(settings: ArtifactSettings, env: NodeJS.ProcessEnv): FindBy | undefined {
  if (settings.runId === undefined) return undefined;
  const repository = settings.repository ?? env.GITHUB_REPOSITORY ?? '';
  const [owner, repo] = repository.split('/');
  if (!owner || !repo)
    throw new ActionError(
      `Reading run ${settings.runId}'s artifacts needs its repository: set artifact-repository to owner/name.`,
    );
  if (!settings.token)
    throw new ActionError(
      `Reading run ${settings.runId}'s artifacts needs github-token (with \`actions: read\`); it is empty.`,
    );
  return {
    token: settings.token,
    workflowRunId: settings.runId,
    repositoryOwner: owner,
    repositoryName: repo,
  };
}

function digestMismatch(name: string, id: number, digest: string): ActionError {
  return new ActionError(
    `Artifact '${name}' (id ${id}) does not match the digest recorded when it was uploaded (${digest}): the stored bytes are damaged; use another backup.`,
  );
}

/** The single file a skipArchive download leaves (named by the service's Content-Disposition). */
async function onlyFile(dir: string, name: string): Promise<string> {
  const files = await readdir(dir);
  if (files.length !== 1 || files[0] === undefined)
    throw new Error(`the download of '${name}' left ${files.length} files instead of one`);
  return files[0];
}

async function removeDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true }).catch(() => undefined);
}
