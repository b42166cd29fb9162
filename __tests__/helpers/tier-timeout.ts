/**
 * Applies the tier's default timeout (jest.config.js TIER_TIMEOUTS, passed as the global
 * `tierTimeoutMs`) to every test and hook of the file; a test or hook may still give its own.
 */
import { jest } from '@jest/globals';

const { tierTimeoutMs } = globalThis as { tierTimeoutMs?: number };
if (tierTimeoutMs) jest.setTimeout(tierTimeoutMs);
