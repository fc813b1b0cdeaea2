import { defineConfig } from 'vitest/config';
import SlowFirstSequencer from './test/helpers/slow-first-sequencer.js';

export default defineConfig({
  test: {
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
    minWorkers: 1,
    // The unit project's pool (the pools' options are the root's): pure code,
    // no processes, no process-wide state, so worker threads that each run
    // many files, without a new process and module graph per file. 38 files:
    // 3.5-4.6 s this way, 10.5-12 s one process per file. As many threads
    // from the start: with fewer, tinypool ends an idle thread that still
    // holds files when isolation is off ("Terminating worker thread").
    // The projects run side by side: the unit files' ~9 CPU-s come first.
    poolOptions: { threads: { isolate: false, minThreads: 4 } },
    sequence: { sequencer: SlowFirstSequencer },
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          pool: 'threads',
        },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          pool: 'forks',
          // One temporary root for the clusters, and the leak checks at the end.
          globalSetup: ['test/helpers/global-setup.ts'],
        },
      },
    ],
  },
});
