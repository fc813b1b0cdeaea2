import { readdir, readFile, readlink } from 'node:fs/promises';

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
  const pidIn = async (): Promise<number> => Number((await readFile(pidFile, 'utf8').catch(() => '')).trim());
  const until = Date.now() + timeoutMs;
  let pid = await pidIn();
  // Never 0 (a file read while it was being written): kill(0) would stop this test's own process group.
  while (!(pid > 0) && Date.now() < until) {
    await new Promise((r) => setTimeout(r, 10));
    pid = await pidIn();
  }
  if (!(pid > 0)) throw new Error(`${pidFile} named no process within ${timeoutMs} ms`);
  process.kill(pid, 'SIGSTOP');
  return pid;
}
