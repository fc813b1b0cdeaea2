import { defineConfig } from 'vitest/config';
import base from './vitest.config.js';

// `npm run test:unit`, the quick loop: the unit files only, in worker threads
// that each run many files (no fresh module graph per file). These files start
// no processes and touch no process-wide state; most of their time in the full
// suite's way (a child process and a new module graph per file) was start-up:
// 38 files took 10.5-12 s that way and 3.5-4.6 s this way. `npm test` still
// runs them one file per process, so a file that leans on another's state
// fails there.
//
// minWorkers equals maxWorkers: with fewer, tinypool ends an idle thread that
// still holds files when isolation is off ("Terminating worker thread").
const workers = base.test?.maxWorkers ?? 4;
export default defineConfig({
  ...base,
  test: {
    ...base.test,
    include: ['test/unit/**/*.test.ts'],
    pool: 'threads',
    isolate: false,
    maxWorkers: workers,
    minWorkers: workers,
  },
});
