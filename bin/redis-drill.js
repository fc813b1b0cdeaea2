#!/usr/bin/env node
// The published entry point: everything lives in the bundled CLI (npm run build; scripts/bundle.mjs).
import { main } from '../dist/bundle/main.js';

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
