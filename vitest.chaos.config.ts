import { defineConfig } from 'vitest/config';

/**
 * The chaos suite's short variant runs on its own, after the other tests: it kills workers
 * and restarts a Temporal dev server of its own, and on a 2-core machine its load would
 * change the timing other tests see.
 */
export default defineConfig({
  test: {
    include: ['test/chaos.integration.test.ts'],
    pool: 'forks',
    reporters: ['default', 'json'],
    outputFile: { json: '.vitest-chaos-results.json' },
    testTimeout: 600_000,
  },
});
