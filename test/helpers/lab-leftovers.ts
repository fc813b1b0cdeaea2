import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

// No vitest import here: the suite's global teardown uses this (see test/helpers/netns-lab.ts for the labs).
const run = promisify(execFile);

/** Namespaces and bridges of test labs (rdt....) still there: a leak if any at the end of the suite. */
export async function labsLeft(): Promise<string[]> {
  const [ns, links] = await Promise.all([
    run('ip', ['netns', 'list']).then(
      (r) => r.stdout,
      () => '',
    ),
    run('ip', ['-o', 'link', 'show']).then(
      (r) => r.stdout,
      () => '',
    ),
  ]);
  const names = [
    ...ns.split('\n').map((l) => l.split(' ')[0]!),
    ...links.split('\n').map((l) => l.split(':')[1]?.trim().split('@')[0] ?? ''),
  ];
  return names.filter((n) => /^rdt[0-9a-f]{4}-/.test(n));
}

/** Removes a leftover namespace (every process in it first: ours) or bridge by name. */
export async function removeLab(name: string): Promise<void> {
  const { stdout } = await run('ip', ['netns', 'pids', name]).catch(() => ({ stdout: '' }));
  for (const pid of stdout.split('\n').filter(Boolean)) {
    try {
      process.kill(Number(pid), 'SIGKILL');
    } catch {
      // already gone
    }
  }
  await run('ip', ['netns', 'del', name]).catch(() => undefined);
  await run('ip', ['link', 'del', name]).catch(() => undefined);
}
