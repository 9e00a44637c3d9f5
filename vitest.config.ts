import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The chaos suite runs on its own after these (vitest.chaos.config.ts).
    exclude: ['test/chaos.integration.test.ts', '**/node_modules/**'],
    // Temporal's native worker does not survive worker threads; forks it is.
    pool: 'forks',
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
    globalSetup: ['test/globalSetup.ts'],
    // The JSON report gives .ci/run its pass/fail counts.
    reporters: ['default', 'json'],
    outputFile: { json: '.vitest-results.json' },
    testTimeout: 60_000,
    hookTimeout: 180_000,
  },
});
