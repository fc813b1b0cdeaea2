import { readFileSync } from 'node:fs';

/** The package's version, read from package.json (dist/version.js sits one level below it). */
export const VERSION: string = (() => {
  try {
    return (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string })
      .version;
  } catch {
    return 'unknown';
  }
})();
