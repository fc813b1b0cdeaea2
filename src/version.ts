import { readFileSync } from 'node:fs';

/** Set by the bundler (scripts/bundle.mjs) from package.json: no file to read at start-up. */
declare const REDIS_DRILL_VERSION: string | undefined;

/** The package's version: the bundle's, or read from package.json (dist/version.js sits one level below it). */
export const VERSION: string = (() => {
  if (typeof REDIS_DRILL_VERSION !== 'undefined') return REDIS_DRILL_VERSION;
  try {
    return (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string })
      .version;
  } catch {
    return 'unknown';
  }
})();
