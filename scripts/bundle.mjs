// The CLI as one ESM bundle (dist/bundle/), so it starts in a blink: Node
// resolves and reads a few files instead of ~200 (the tsc output under dist/
// stays, for the benchmarks that import single modules). Command code stays
// lazily loaded: each dynamic import() becomes its own chunk. Packages are
// bundled too: commander, chalk and cli-table3 alone are ~20 files to
// resolve at every start (10-20 ms here, measured side by side).
// The programs the CLI starts beside itself (worker threads, the witness
// child) are entries too, and every file goes in one directory: see
// src/util/program-url.ts.
import { readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { build } from 'esbuild';

const out = new URL('../dist/bundle/', import.meta.url).pathname;
const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
await rm(out, { recursive: true, force: true });
await build({
  entryPoints: {
    main: 'src/cli/main.ts',
    worker: 'src/instruments/worker.ts',
    witness: 'src/instruments/witness.ts',
    'load-thread': 'src/workload/load-thread.ts',
  },
  outdir: out,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  // CommonJS packages (commander, ioredis) call require() for Node's own modules.
  banner: {
    js: "import { createRequire as __rdCreateRequire } from 'node:module'; const require = __rdCreateRequire(import.meta.url);",
  },
  sourcemap: true,
  define: { REDIS_DRILL_BUNDLE: 'true', REDIS_DRILL_VERSION: JSON.stringify(version) },
  logLevel: 'warning',
});
