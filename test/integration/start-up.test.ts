import { execa } from 'execa';
import { describe, expect, test } from 'vitest';
import { stateDir } from '../helpers/cli.js';

const MAIN = new URL('../../dist/bundle/main.js', import.meta.url).href;

/** The Node built-in modules a command loaded, from the bundled CLI run in a fresh process. */
async function builtinsLoaded(args: string[]): Promise<string[]> {
  const script = `
    const { main } = await import(${JSON.stringify(MAIN)});
    const code = await main(['node', 'redis-drill', ...${JSON.stringify(args)}]);
    const loaded = process.moduleLoadList.filter((m) => m.startsWith('NativeModule ')).map((m) => m.slice(13));
    process.stdout.write('\\n' + JSON.stringify({ code, loaded }) + '\\n');
  `;
  const r = await execa(process.execPath, ['--input-type=module', '-e', script], {
    env: { REDIS_DRILL_HOME: await stateDir(), NO_COLOR: '1' },
    reject: false,
  });
  const { code, loaded } = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as { code: number; loaded: string[] };
  expect(code, r.stderr).toBe(0);
  return loaded;
}

// Every command and every line of a script that drives the tool pays the start (docs/architecture.md,
// "Start-up"); `npm run bench:start` measures it. These guard what it must not load.
describe('what the CLI loads before a command that needs no cluster', () => {
  test.each([[['--version']], [['keyslot', 'foo']]])('%j loads no crypto', async (args) => {
    const loaded = await builtinsLoaded(args);
    expect(loaded).toContain('fs'); // the list is read at all
    expect(loaded.filter((m) => m === 'crypto' || m.startsWith('internal/crypto/'))).toEqual([]);
  });
});
