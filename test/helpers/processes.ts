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
