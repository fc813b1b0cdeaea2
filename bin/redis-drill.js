#!/usr/bin/env node
// The published entry point: everything lives in the bundled CLI (npm run build; scripts/bundle.mjs).
import { setFlagsFromString } from 'node:v8';
import { main } from '../dist/bundle/main.js';

// Grow the heap by half of what survived each full collection, not V8's up to
// four times: a drill allocates fast (polls, replies, the load) but keeps
// little, and without this a 100-node soak held ~2x its live heap as RSS.
// Read at every collection, so setting it here (after start) takes effect.
setFlagsFromString('--heap-growing-percent=50');

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
