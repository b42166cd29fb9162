// One jest project per tier (npm run test:unit, test:integration, ...: `jest --selectProjects <tier>`),
// each with its own default timeout. Jest ignores `testTimeout` inside a project (jestjs/jest#9759), so
// the tier's timeout reaches the tests as a global that __tests__/helpers/tier-timeout.ts applies.
// Each timeout is a few times the slowest test or hook of its tier in a full run on a 2-core machine.

/** Milliseconds a test or hook of the tier may take unless it sets its own. */
const TIER_TIMEOUTS = {
  unit: 15_000, // slowest test 2.4 s (the age scrypt work factor)
  contract: 15_000, // slowest file 1.2 s
  integration: 120_000, // slowest test 40 s (prune: DeleteObjects over thousands of keys)
  e2e: 60_000, // slowest test 10.3 s (a webhook receiver that never answers: 10 s by design)
  faults: 60_000, // slowest test 5.6 s; the slow set-ups give their own longer timeouts
  providers: 120_000, // slowest test 3.9 s, slowest set-up (a provider-like database) about 10 s
  fidelity: 300_000, // PostgreSQL's regression database: set-ups of 8 s and more, own timeouts up to 15 min
};

/** What every tier shares: TypeScript as ESM through ts-jest. */
const common = {
  preset: 'ts-jest/presets/default-esm',
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: { '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: 'tsconfig.json' }] },
  setupFilesAfterEnv: ['<rootDir>/__tests__/helpers/tier-timeout.ts'],
};

/** @type {import('jest').Config} */
export default {
  maxWorkers: 2,
  projects: Object.entries(TIER_TIMEOUTS).map(([tier, timeout]) => ({
    ...common,
    displayName: tier,
    testMatch: [`<rootDir>/__tests__/${tier}/**/*.test.ts`],
    globals: { tierTimeoutMs: timeout },
  })),
};
