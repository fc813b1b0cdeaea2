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

// A Ctrl-C (or SIGTERM) once the command has ended changes nothing: its result is out and what
// it started was stopped or is meant to stay, so the process exits with the command's own code,
// not as killed by the signal (a shell would read that 130 as "interrupted, nothing left").
// Listening from the start keeps the signal from ever falling back to its default; while the
// command runs, main's own handler does the work.
let code = null;
const late = () => code !== null && process.exit(code);
process.on('SIGINT', late);
process.on('SIGTERM', late);

code = await main(process.argv);
process.exitCode = code;
// Every connection is closed by then; this only guards against a stray
// handle keeping a finished command alive. unref: it never delays the exit.
setTimeout(() => process.exit(code), 2000).unref();
