import { readdir, readFile, readlink } from 'node:fs/promises';
import { waitUntil } from '../../src/util/wait.js';

/**
 * Live (not zombie) redis-server/valkey-server processes whose working
 * directory is under `root`. Daemonized Redis chdirs to its data directory,
 * so this finds exactly the servers a test started and nothing else.
 */
export async function liveServersUnder(root: string): Promise<{ pid: number; cwd: string }[]> {
  const found: { pid: number; cwd: string }[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = await readFile(`/proc/${entry}/stat`, 'utf8');
      const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
      if (!/^(redis|valkey)-server/.test(name) || state === 'Z') continue;
      const cwd = await readlink(`/proc/${entry}/cwd`);
      if (cwd.startsWith(root)) found.push({ pid: Number(entry), cwd });
    } catch {
      // the process ended while we looked
    }
  }
  return found;
}

/**
 * Freezes (SIGSTOP) the server whose pid file is `pidFile` as soon as the
 * file names it, and returns its pid. A frozen node holds a create or start
 * in its waits however slow the test is to interrupt it.
 */
export async function freezeOnceRunning(pidFile: string, timeoutMs = 10_000): Promise<number> {
  const pid = await waitUntil(
    async () => {
      const n = Number((await readFile(pidFile, 'utf8').catch(() => '')).trim());
      // Never 0 (a file read while it was being written): kill(0) would stop this test's own process group.
      return n > 0 ? { done: true, value: n } : { done: false, seen: 'no pid in the file yet' };
    },
    { what: `${pidFile} naming a process`, timeoutMs, intervalMs: 10 },
  );
  process.kill(pid, 'SIGSTOP');
  return pid;
}
