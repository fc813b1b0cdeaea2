import { execFile } from 'node:child_process';
import { constants as fsConstants } from 'node:fs';
import { access, open, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { EnvironmentError, UsageError } from '../errors.js';
import { MakeDirError, makeDirs } from '../util/fs.js';
import type { ClockOffset, ExecResult, Host, ProcessState, Signal } from './host.js';
import { processStateFrom } from './proc.js';

const DEFAULT_EXEC_TIMEOUT_MS = 10_000;

export class LocalHost implements Host {
  readonly name = 'local';
  readonly remote = false;

  exec(
    file: string,
    args: readonly string[],
    options: { timeoutMs?: number; input?: string } = {},
  ): Promise<ExecResult> {
    const timeout = options.timeoutMs ?? DEFAULT_EXEC_TIMEOUT_MS;
    // node:child_process rather than execa here: it costs nothing to load, and
    // every millisecond before the first redis-server starts is on the
    // critical path of `cluster create`.
    return new Promise((resolve, reject) => {
      const child = execFile(
        file,
        [...args],
        { timeout, killSignal: 'SIGKILL', maxBuffer: 1024 * 1024 },
        (error, stdout, stderr) => {
          const e = error as (NodeJS.ErrnoException & { killed?: boolean; code?: number | string }) | null;
          if (e?.killed) return reject(new EnvironmentError(`${file} did not finish within ${timeout} ms`));
          if (e && typeof e.code === 'string')
            return reject(
              new EnvironmentError(`could not run ${file}: ${e.code === 'ENOENT' ? 'not found' : e.message}`),
            );
          resolve({ exitCode: e ? Number(e.code ?? 1) : 0, stdout: String(stdout), stderr: String(stderr) });
        },
      );
      // A program that does not read its input closes the pipe: that is its answer, not ours to report.
      child.stdin?.on('error', () => undefined);
      child.stdin?.end(options.input ?? '');
    });
  }

  async which(names: readonly string[]): Promise<string | null> {
    for (const name of names) {
      const candidates = name.includes('/')
        ? [path.resolve(name)]
        : (process.env.PATH ?? '')
            .split(path.delimiter)
            .filter(Boolean)
            .map((d) => path.join(d, name));
      for (const c of candidates) {
        try {
          await access(c, fsConstants.X_OK);
          return c;
        } catch (e) {
          // Not there, or there but not executable (or a PATH entry we may not read): keep looking, as a shell does.
          if (!['ENOENT', 'EACCES', 'ENOTDIR', 'EPERM'].includes((e as NodeJS.ErrnoException).code ?? ''))
            throw fileError(c, e);
        }
      }
    }
    return null;
  }

  async writeFile(p: string, content: string, mode = 0o600): Promise<void> {
    const tmp = `${p}.${process.pid}.tmp`;
    try {
      await makeDirs(path.dirname(p));
      await writeFile(tmp, content, { mode });
      await rename(tmp, p);
    } catch (e) {
      throw e instanceof MakeDirError ? new EnvironmentError(e.message) : fileError(p, e);
    }
  }

  async readFile(p: string): Promise<string | null> {
    try {
      return await readFile(p, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw fileError(p, e);
    }
  }

  async readFrom(p: string, offset: number): Promise<{ text: string; size: number }> {
    // Most reads of a log find nothing new: one stat then, instead of open, fstat and close.
    const known = await stat(p).catch((e: unknown) =>
      (e as NodeJS.ErrnoException).code === 'ENOENT' ? null : Promise.reject(fileError(p, e)),
    );
    if (!known) return { text: '', size: 0 };
    if (known.size === offset) return { text: '', size: offset };
    const fh = await openIfThere(p);
    if (!fh) return { text: '', size: 0 };
    try {
      const { size } = await fh.stat();
      if (size <= offset) return { text: '', size };
      const buf = Buffer.alloc(size - offset);
      await fh.read(buf, 0, buf.length, offset);
      return { text: buf.toString('utf8'), size };
    } finally {
      await fh.close();
    }
  }

  async readTail(p: string, maxBytes: number): Promise<string> {
    const fh = await openIfThere(p);
    if (!fh) return '';
    try {
      const { size } = await fh.stat();
      const start = Math.max(0, size - maxBytes);
      const buf = Buffer.alloc(size - start);
      await fh.read(buf, 0, buf.length, start);
      return buf.toString('utf8');
    } finally {
      await fh.close();
    }
  }

  async remove(p: string): Promise<void> {
    await rm(p, { recursive: true, force: true });
  }

  async processState(pid: number, markers?: readonly string[]): Promise<ProcessState> {
    if (process.platform !== 'linux') {
      try {
        process.kill(pid, 0);
        return 'running';
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ESRCH') return 'gone';
        throw processError(pid, e);
      }
    }
    try {
      const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
      const cmdline = markers === undefined ? '' : (await readFile(`/proc/${pid}/cmdline`, 'utf8')).replace(/\0/g, ' ');
      return processStateFrom(stat, cmdline, markers);
    } catch (e) {
      // The process ended (its /proc entry is gone, also between the two reads); anything else is not an answer.
      if (['ENOENT', 'ESRCH'].includes((e as NodeJS.ErrnoException).code ?? '')) return 'gone';
      throw processError(pid, e);
    }
  }

  async signal(pid: number, signal: Signal): Promise<void> {
    try {
      process.kill(pid, `SIG${signal}`);
    } catch (e) {
      // Already gone: the signal has nothing left to do.
      if ((e as NodeJS.ErrnoException).code !== 'ESRCH') throw processError(pid, e, `cannot send SIG${signal} to`);
    }
  }

  /** Whether a TCP port can be bound on `address` (false: something listens there). */
  portFree(address: string, port: number): Promise<boolean> {
    return new Promise((resolve, reject) => {
      const server = net.createServer();
      server.unref();
      server.once('error', (e: NodeJS.ErrnoException) => {
        if (e.code === 'EADDRINUSE' || e.code === 'EACCES') resolve(false);
        else if (e.code === 'EADDRNOTAVAIL')
          reject(
            new EnvironmentError(`cannot bind ${address}: no such address on this machine`, {
              hint: "use --bind with one of this machine's addresses, e.g. 127.0.0.1",
            }),
          );
        else if (e.code === 'ENOTFOUND' || e.code === 'EAI_AGAIN')
          reject(
            new UsageError(`cannot bind "${address}": not an address of this machine, and no host of that name`, {
              hint: 'use --bind with an IP address of this machine, e.g. 127.0.0.1',
            }),
          );
        else reject(new EnvironmentError(`cannot bind ${address}:${port}: ${e.code ?? e.message}`));
      });
      server.listen({ host: address, port, exclusive: true }, () => server.close(() => resolve(true)));
    });
  }

  async clockOffset(): Promise<ClockOffset> {
    return { offsetMs: 0, uncertaintyMs: 0 };
  }

  async dispose(): Promise<void> {
    // Nothing is held open locally.
  }
}

/** Opens a file for reading; null when it does not exist (a log not written yet). */
async function openIfThere(p: string) {
  try {
    return await open(p, 'r');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw fileError(p, e);
  }
}

function fileError(p: string, e: unknown): EnvironmentError {
  const code = (e as NodeJS.ErrnoException).code;
  return new EnvironmentError(
    `cannot use ${p}: ${code === 'EACCES' || code === 'EPERM' ? 'permission denied' : code === 'EISDIR' ? 'it is a directory' : code === 'EMFILE' || code === 'ENFILE' ? 'too many open files' : (e as Error).message}`,
    {
      hint:
        code === 'EMFILE' || code === 'ENFILE'
          ? 'raise the open-file limit (ulimit -n) or watch fewer nodes at once'
          : 'check the path and its permissions',
      cause: e,
    },
  );
}

function processError(pid: number, e: unknown, what = 'cannot read the state of'): EnvironmentError {
  const code = (e as NodeJS.ErrnoException).code;
  return new EnvironmentError(
    `${what} process ${pid}: ${code === 'EPERM' || code === 'EACCES' ? 'permission denied' : (e as Error).message}`,
    {
      hint: 'run redis-drill as the user that started the cluster',
      cause: e,
    },
  );
}
