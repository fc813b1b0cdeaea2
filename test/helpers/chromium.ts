import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';

/**
 * Opens a file in headless Chromium (Debian's package, as .ci/run installs
 * it) and returns the rendered DOM and the page's console messages.
 */
export async function renderInChromium(file: string): Promise<{ dom: string; console: string[] }> {
  const profile = await mkdtemp(path.join(os.tmpdir(), 'chromium-'));
  try {
    const r = await execa(
      'chromium',
      [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--no-first-run',
        `--user-data-dir=${profile}`,
        '--enable-logging=stderr',
        '--v=0',
        '--dump-dom',
        `file://${file}`,
      ],
      { reject: false, timeout: 60_000, stdin: 'ignore' },
    );
    if (r.exitCode !== 0 && !r.stdout)
      throw new Error(
        `chromium failed (${r.exitCode}): ${String(r.stderr).slice(-500)} — install it with: apt-get install chromium`,
      );
    return {
      dom: String(r.stdout),
      console: String(r.stderr)
        .split('\n')
        .filter((l) => l.includes(':CONSOLE')),
    };
  } finally {
    await rm(profile, { recursive: true, force: true });
  }
}
