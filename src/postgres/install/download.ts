import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { setTimeout as delay } from 'node:timers/promises';
import * as core from '@actions/core';
import * as tc from '@actions/tool-cache';
import { ActionError } from '../../errors.js';

/** Options of {@link downloadWithRetry}. */
export interface RetryOptions {
  /** Attempts in all. */
  attempts?: number;
  /** Wait before the second attempt; doubles after each failure. */
  delayMs?: number;
}

/** Whether an HTTP status is worth another attempt: 403 (CDNs return it transiently) and 5xx. */
export function isRetryableStatus(status: number | undefined): boolean {
  return status === 403 || (status !== undefined && status >= 500);
}

/**
 * Downloads with tool-cache (proxy-aware; it already retries 5xx, 408 and 429 twice, 10–20 s apart)
 * and retries a 403 or a persistent 5xx here as well.
 */
export async function downloadWithRetry(
  url: string,
  dest: string,
  { attempts = 3, delayMs = 5_000 }: RetryOptions = {},
): Promise<string> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await tc.downloadTool(url, dest);
    } catch (error) {
      const status = error instanceof tc.HTTPError ? error.httpStatusCode : undefined;
      if (attempt >= attempts || !isRetryableStatus(status)) throw downloadError(url, error);
      const wait = delayMs * 2 ** (attempt - 1);
      core.info(`Downloading ${url} failed with HTTP ${status}; retrying in ${wait / 1000} s.`);
      await delay(wait);
    }
  }
}

function downloadError(url: string, error: unknown): ActionError {
  const status = error instanceof tc.HTTPError ? `HTTP ${error.httpStatusCode}` : String(error);
  return new ActionError(`Downloading ${url} failed: ${status}.`, { cause: error });
}

/** The SHA-256 of a file, hex. */
export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** Throws (and deletes the file) unless its SHA-256 is the pinned one. */
export async function verifySha256(path: string, expected: string, url: string): Promise<void> {
  const actual = await sha256File(path);
  if (actual === expected.toLowerCase()) return;
  await rm(path, { force: true });
  throw new ActionError(
    `The download of ${url} has SHA-256 ${actual}, not the pinned ${expected}: refusing to use it.`,
  );
}
