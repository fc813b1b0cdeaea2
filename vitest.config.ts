import { defineConfig } from 'vitest/config';
import SlowFirstSequencer from './test/helpers/slow-first-sequencer.js';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/helpers/global-setup.ts'],
    // The default output, then the ten slowest tests (where the suite's time goes).
    reporters: ['default', './test/helpers/slowest-reporter.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Integration files each start their own redis-server processes and
    // spend most of their time waiting on Redis (node timeouts, failovers),
    // not on the CPU: four files at a time on two cores take the suite from
    // 9.5 minutes (two) to about 6. The machine is busy then, as a user's
    // may be; the tests' bounds are the product's own, which it must meet
    // there. Five were no faster (every test slower) and flakier.
    maxWorkers: 4,
    sequence: { sequencer: SlowFirstSequencer },
    minWorkers: 1,
  },
});
