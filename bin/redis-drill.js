#!/usr/bin/env node
// The published entry point: everything lives in the compiled CLI.
import { main } from '../dist/cli/main.js';

const code = await main(process.argv);
process.exitCode = code;
// Every connection is closed by then; this only guards against a stray
// handle keeping a finished command alive. unref: it never delays the exit.
setTimeout(() => process.exit(code), 2000).unref();
