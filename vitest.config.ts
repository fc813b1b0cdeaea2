import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/helpers/global-setup.ts'],
    // The default output, then the ten slowest tests (where the suite's time goes).
    reporters: ['default', './test/helpers/slowest-reporter.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Integration files each start their own redis-server processes; two
    // cores run two files at a time without starving the servers.
    maxWorkers: 2,
    minWorkers: 1,
  },
});
