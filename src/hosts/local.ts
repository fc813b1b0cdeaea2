import { execFile } from 'node:child_process';
import { constants as fsConstants } from 'node:fs';
import { access, mkdir, open, readFile, rename, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { EnvironmentError } from '../errors.js';
import type { ClockOffset, ExecResult, Host, ProcessState, Signal } from './host.js';
import { processStateFrom } from './proc.js';

const DEFAULT_EXEC_TIMEOUT_MS = 10_000;

export class LocalHost implements Host {
  readonly name = 'local';
  readonly remote = false;

  exec(file: string, args: readonly string[], options: { timeoutMs?: number } = {}): Promise<ExecResult> {
    const timeout = options.timeoutMs ?? DEFAULT_EXEC_TIMEOUT_MS;
    // node:child_process rather than execa here: it costs nothing to load, and
    // every millisecond before the first redis-server starts is on the
    // critical path of `cluster create`.
    return new Promise((resolve, reject) => {
      execFile(file, [...args], { timeout, killSignal: 'SIGKILL', maxBuffer: 1024 * 1024 }, (error, stdout, stderr) => {
        const e = error as (NodeJS.ErrnoException & { killed?: boolean; code?: number | string }) | null;
        if (e?.killed) return reject(new EnvironmentError(`${file} did not finish within ${timeout} ms`));
        if (e && typeof e.code === 'string') return reject(new EnvironmentError(`could not run ${file}: ${e.code === 'ENOENT' ? 'not found' : e.message}`));
        resolve({ exitCode: e ? Number(e.code ?? 1) : 0, stdout: String(stdout), stderr: String(stderr) });
      });
    });
  }

  async which(names: readonly string[]): Promise<string | null> {
    for (const name of names) {
      const candidates = name.includes('/')
        ? [path.resolve(name)]
        : (process.env.PATH ?? '').split(path.delimiter).filter(Boolean).map((d) => path.join(d, name));
      for (const c of candidates) {
        try {
          await access(c, fsConstants.X_OK);
          return c;
        } catch {
          // not here; keep looking
        }
      }
    }
    return null;
  }

  async writeFile(p: string, content: string, mode = 0o600): Promise<void> {
    const tmp = `${p}.${process.pid}.tmp`;
    await mkdir(path.dirname(p), { recursive: true, mode: 0o700 });
    await writeFile(tmp, content, { mode });
    await rename(tmp, p);
  }

  async readFile(p: string): Promise<string | null> {
    try {
      return await readFile(p, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw e;
    }
  }

  async readFrom(p: string, offset: number): Promise<{ text: string; size: number }> {
    let fh;
    try {
      fh = await open(p, 'r');
    } catch {
      return { text: '', size: 0 };
    }
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
    let fh;
    try {
      fh = await open(p, 'r');
    } catch {
      return '';
    }
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
      } catch {
        return 'gone';
      }
    }
    try {
      const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
      const cmdline = markers === undefined ? '' : (await readFile(`/proc/${pid}/cmdline`, 'utf8')).replace(/\0/g, ' ');
      return processStateFrom(stat, cmdline, markers);
    } catch {
      return 'gone';
    }
  }

  async signal(pid: number, signal: Signal): Promise<void> {
    try {
      process.kill(pid, `SIG${signal}`);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ESRCH') throw e;
    }
  }

  /** Whether a TCP port can be bound on `address` (false: something listens there). */
  portFree(address: string, port: number): Promise<boolean> {
    return new Promise((resolve, reject) => {
      const server = net.createServer();
      server.unref();
      server.once('error', (e: NodeJS.ErrnoException) => {
        if (e.code === 'EADDRINUSE' || e.code === 'EACCES') resolve(false);
        else if (e.code === 'EADDRNOTAVAIL') reject(new EnvironmentError(`cannot bind ${address}: no such address on this machine`, { hint: 'use --bind with one of this machine\'s addresses, e.g. 127.0.0.1' }));
        else reject(e);
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
