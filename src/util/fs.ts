import { mkdir, stat } from 'node:fs/promises';
import path from 'node:path';

/** A directory could not be made: which one, and the errno code (EACCES, ENOTDIR, ...). */
export class MakeDirError extends Error {
  constructor(
    readonly dir: string,
    readonly code: string,
    readonly reason: string,
  ) {
    super(`cannot create ${dir}: ${reason}`);
  }
}

const REASONS: Record<string, string> = {
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EROFS: 'read-only file system',
  ENOTDIR: 'a parent is not a directory',
  ENOENT: 'its parent cannot hold directories',
  ENOSPC: 'no space left on the device',
  EEXIST: 'a file of that name is in the way',
  EBUSY: 'busy (a mount point?)',
};

/** An errno code in words, for a message ("permission denied"); the code itself when it has none here. */
export function fsReason(code: string | undefined): string {
  return REASONS[code ?? ''] ?? code ?? 'error';
}

/**
 * `mkdir -p`, one level at a time. Node's own `mkdir(..., { recursive: true })`
 * loops forever on some paths (e.g. /proc/x: mkdir says ENOENT although the
 * parent exists), and the event loop never returns, so not even SIGTERM
 * stops the command. Here every level is made once, and a failure names the
 * level that failed.
 */
export async function makeDirs(dir: string, mode = 0o700): Promise<void> {
  const target = path.resolve(dir);
  const missing: string[] = [];
  for (let d = target; ; d = path.dirname(d)) {
    const s = await stat(d).catch((e: NodeJS.ErrnoException) => {
      // Only "not there" means "make it"; anything else (EACCES on a parent, ENOTDIR) is the answer.
      if (e.code === 'ENOENT') return null;
      throw new MakeDirError(d, e.code ?? 'EIO', REASONS[e.code ?? ''] ?? e.message);
    });
    if (s) {
      if (!s.isDirectory())
        throw new MakeDirError(
          d,
          'ENOTDIR',
          d === target ? 'a file of that name is in the way' : 'a parent is not a directory',
        );
      break;
    }
    missing.unshift(d);
    if (path.dirname(d) === d) break;
  }
  for (const d of missing) {
    try {
      await mkdir(d, { mode });
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code ?? 'EIO';
      // Someone else made it between our stat and mkdir: fine, if it is a directory.
      if (code === 'EEXIST' && (await stat(d)).isDirectory()) continue;
      throw new MakeDirError(d, code, REASONS[code] ?? (e as Error).message);
    }
  }
}
