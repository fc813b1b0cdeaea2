import type { ResourceLimits } from 'node:worker_threads';

/** Set by the bundler (scripts/bundle.mjs); absent when running the per-file tsc output. */
declare const REDIS_DRILL_BUNDLE: boolean | undefined;

/**
 * Each worker thread's young generation (two semi-spaces and the large-object
 * space). V8's default lets it grow to 48 MB per thread; the instruments'
 * thread polls every node ten times a second and fills it with short-lived
 * replies, so a 100-node soak paid ~100 MB of RSS for garbage. 8 MB cut more
 * but promoted replies still in flight to the old generation, whose longer
 * collections made the 100-node observer's polls late (p99 gap 0.6 -> 0.85 s);
 * 16 MB keeps both (bench:soak with BENCH_BIG=1).
 */
export const WORKER_LIMITS: ResourceLimits = { maxYoungGenerationSizeMb: 16 };

/** The programs the CLI starts beside itself: worker threads and a child process. */
export type Program = 'instruments/worker' | 'instruments/witness' | 'workload/load-thread';

/**
 * Where one of those programs is. The bundle puts every entry and chunk in
 * one directory, so a program is this module's sibling there; the tsc output
 * keeps src's layout under dist/, one level above this module's directory.
 */
export function programUrl(program: Program): URL {
  if (typeof REDIS_DRILL_BUNDLE !== 'undefined' && REDIS_DRILL_BUNDLE)
    return new URL(`./${program.split('/').pop()!}.js`, import.meta.url);
  return new URL(`../${program}.js`, import.meta.url);
}
