/** How one webhook post ended: delivered, or why not (never the URL, which is a secret). */
export interface WebhookResult {
  /** The receiver answered 2xx (or another non-retryable success). */
  delivered: boolean;
  /** Requests sent, retries included. */
  attempts: number;
  /** What went wrong on the last attempt, e.g. `HTTP 500` or `no answer within 10 s`. */
  problem?: string;
}

/** Limits of {@link postWebhook}; the defaults are the SPEC's (10 s in all, two retries). */
export interface WebhookLimits {
  /** Milliseconds for every attempt and pause together. */
  budgetMs: number;
  /** Attempts after the first. */
  retries: number;
  /** Pause before the first retry, doubled for the next (bounded by what is left of the budget). */
  pauseMs: number;
}

const DEFAULT_LIMITS: WebhookLimits = { budgetMs: 10_000, retries: 2, pauseMs: 500 };

/** One attempt's outcome: done (delivered or refused for good) or worth retrying. */
interface Attempt {
  delivered: boolean;
  retry: boolean;
  problem?: string;
}

/**
 * Posts `message` as JSON to `url`, retrying network errors, 5xx and 429 answers, all within the
 * time budget. Never throws: the caller decides how to report a failed post.
 */
export async function postWebhook(
  url: string,
  message: object,
  limits: Partial<WebhookLimits> = {},
): Promise<WebhookResult> {
  const { budgetMs, retries, pauseMs } = { ...DEFAULT_LIMITS, ...limits };
  const deadline = Date.now() + budgetMs;
  const body = JSON.stringify(message);
  let attempts = 0;
  let last: Attempt = { delivered: false, retry: true, problem: 'not sent' };
  while (attempts <= retries && Date.now() < deadline) {
    if (attempts > 0) await pause(Math.min(pauseMs * 2 ** (attempts - 1), deadline - Date.now()));
    if (Date.now() >= deadline) break;
    attempts += 1;
    last = await attempt(url, body, deadline, budgetMs);
    if (!last.retry) break;
  }
  return {
    delivered: last.delivered,
    attempts,
    ...(last.delivered ? {} : { problem: last.problem }),
  };
}

async function attempt(
  url: string,
  body: string,
  deadline: number,
  budgetMs: number,
): Promise<Attempt> {
  try {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
      // A redirect is not followed: it could lead the message (and its details) anywhere,
      // loopback and the runner's own network included. It counts as a failed post.
      redirect: 'manual',
      signal: AbortSignal.timeout(Math.max(1, deadline - Date.now())),
    });
    await response.body?.cancel().catch(() => undefined);
    if (response.ok) return { delivered: true, retry: false };
    const retry = response.status >= 500 || response.status === 429;
    return { delivered: false, retry, problem: `HTTP ${response.status}` };
  } catch (error) {
    return { delivered: false, retry: true, problem: describeFetchError(error, budgetMs) };
  }
}

/** A fetch failure in words that never include the URL (undici's messages can carry it). */
function describeFetchError(error: unknown, budgetMs: number): string {
  // Duck-typed: fetch's errors may come from another realm (instanceof Error is not reliable).
  const e = (typeof error === 'object' && error !== null ? error : {}) as {
    name?: unknown;
    cause?: { code?: unknown } | null;
  };
  if (e.name === 'TimeoutError' || e.name === 'AbortError')
    return `no answer within ${budgetMs / 1000} s`;
  const code = typeof e.cause?.code === 'string' ? e.cause.code : undefined;
  return code ? `connection failed (${code})` : 'connection failed';
}

function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
}
