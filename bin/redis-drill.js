#!/usr/bin/env node
// The published entry point: everything lives in the bundled CLI (npm run build; scripts/bundle.mjs).
import { setFlagsFromString } from 'node:v8';
import { main } from '../dist/bundle/main.js';

// Grow the heap by half of what survived each full collection, not V8's up to
// four times: a drill allocates fast (polls, replies, the load) but keeps
// little, and without this a 100-node soak held ~2x its live heap as RSS.
// Read at every collection, so setting it here (after start) takes effect.
setFlagsFromString('--heap-growing-percent=50');

// Keep the young generation at its first size (1 MB semi-spaces) instead of
// letting V8 double it up to 16 MB under a busy drill's allocation rate. The
// small one stays in the CPU's caches and each scavenge is short, so the event
// loops run on time: on a 100-node soak (bench:soak, BENCH_BIG=1) the poll gap
// went from 903-998 to 567-620 ms (median; p99 3.0-4.0 s to 1.6-1.9 s), the
// event-loop delay p99 from 2.7 s to 1.0 s, and redis-drill's CPU from
// 38.3-40.3 s to 32.9-34.4 s; a short command (cluster status) 0.355 -> 0.320
// CPU-s. Peak RSS did not move (~220 MB). Also read at run time, and by the
// worker threads (they share V8's flags).
setFlagsFromString('--semi-space-growth-factor=1');

// `redis-drill ... --json | head -1`: a reader that stops early is not a crash. The command
// finishes what it started (and cleans up) and exits with its own code.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (e) => {
    if (e.code !== 'EPIPE') throw e;
  });
}

const code = await main(process.argv);
process.exitCode = code;
// Every connection is closed by then; this only guards against a stray
// handle keeping a finished command alive. unref: it never delays the exit.
setTimeout(() => process.exit(code), 2000).unref();
