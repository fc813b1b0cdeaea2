import { EnvironmentError } from '../errors.js';
import { type ChunkListener, FileStream, type FollowedFile } from './file-stream.js';
import type { ClockOffset, ExecResult, Host, ProcessState, Signal, Stream } from './host.js';
import { processStateFrom } from './proc.js';
import { SessionError, SessionPool } from './session-pool.js';
import { ShellSession, lastLine } from './shell-session.js';
import { shellCommand, shellQuote } from './shell.js';

/** How to reach one machine over SSH (what the state file keeps per host). */
export interface SshTarget {
  address: string;
  user: string | null;
  port: number | null;
  identity: string | null;
  /** Extra `ssh -o` options ("Key=Value"); they win over redis-drill's defaults. */
  options: string[];
}

/** The name a host goes by in messages and in the state file: "user@address[:port]". */
export function sshHostName(t: Pick<SshTarget, 'user' | 'address' | 'port'>): string {
  return `${t.user ? `${t.user}@` : ''}${t.address}${t.port && t.port !== 22 ? `:${t.port}` : ''}`;
}

/** A failure of the SSH layer itself: names the host and the step it failed at. */
export class SshError extends EnvironmentError {
  constructor(host: string, step: string, reason: string) {
    super(`${host}: ${step} failed: ${reason}`, { hint: sshHint(reason) });
  }
}

function sshHint(reason: string): string {
  if (/Permission denied|publickey/i.test(reason))
    return "the key was refused: check --ssh-identity (or the inventory's identity) and the user's authorized_keys on that host";
  if (/Host key verification failed|REMOTE HOST IDENTIFICATION/i.test(reason))
    return 'the host key is not the one known_hosts has; check the host, then fix known_hosts (ssh-keygen -R HOST)';
  if (/refused|timed out|No route|unreachable|not known|resolve/i.test(reason))
    return 'is the address right and sshd running there? try: ssh -p PORT USER@ADDRESS true';
  return 'try the same connection by hand: ssh -p PORT USER@ADDRESS true';
}

const CONTROL_PERSIST_S = 60;
/** A failed handshake worth one more try (see connect). */
const TRANSIENT = /timed out|no answer within|banner exchange|Connection reset|Connection closed|ssh exit code 255/i;
const DEFAULT_RUN_TIMEOUT_MS = 15_000;
/** Exit code of a remote `readFile` when the file does not exist. */
const NO_FILE = 44;

/**
 * A machine reached with the system OpenSSH client. The first call opens
 * one master connection (ControlMaster, socket in a private directory); every
 * later call rides on it, so a command costs a channel, not a handshake.
 * BatchMode: never a prompt. The remote side needs a POSIX shell and /proc.
 */
export class SshHost implements Host {
  readonly name: string;
  readonly remote = true;
  private connected: Promise<void> | null = null;
  private offset: Promise<ClockOffset> | null = null;
  private readonly pool: SessionPool;
  private readonly streams = new Set<FileStream>();
  /** The ssh that is opening the master connection, while it does: dispose ends it. */
  private opener: { kill(): boolean } | null = null;
  private disposed = false;

  constructor(
    readonly target: SshTarget,
    private readonly controlDir: () => Promise<string>,
    private readonly connectTimeoutMs: number,
    shellStartTimeoutMs: number,
  ) {
    this.name = sshHostName(target);
    this.pool = new SessionPool(async () => {
      await this.connect();
      if (this.disposed) throw new Error('the host was closed');
      return new ShellSession(['ssh', ...(await this.args('no')), '--', 'exec /bin/sh']);
    }, shellStartTimeoutMs);
  }

  /** Options for every ssh call; the user's come first because ssh keeps the first value it reads. */
  private async args(controlMaster: 'yes' | 'no'): Promise<string[]> {
    const t = this.target;
    const o = (kv: string): string[] => ['-o', kv];
    return [
      ...t.options.flatMap(o),
      ...o('BatchMode=yes'),
      ...o(`ConnectTimeout=${Math.max(1, Math.ceil(this.connectTimeoutMs / 1000))}`),
      ...o('StrictHostKeyChecking=accept-new'),
      ...o('LogLevel=ERROR'),
      ...o('ServerAliveInterval=5'),
      ...o(`ControlMaster=${controlMaster}`),
      ...o(`ControlPath=${await this.controlDir()}/%C`),
      ...(controlMaster === 'yes' ? o(`ControlPersist=${CONTROL_PERSIST_S}`) : []),
      ...(t.identity ? ['-i', t.identity, ...o('IdentitiesOnly=yes')] : []),
      ...(t.port ? ['-p', String(t.port)] : []),
      t.user ? `${t.user}@${t.address}` : t.address,
    ];
  }

  /**
   * Opens the shared master connection once (ssh -fN backgrounds it after
   * authentication). A handshake that timed out or was cut is tried once
   * more: a loaded host (or sshd's MaxStartups throttling a burst of
   * connections) drops one now and then; a refused key or host key is not.
   */
  connect(): Promise<void> {
    this.connected ??= (async () => {
      const first = await this.openMaster();
      if (first === null) return;
      if (!TRANSIENT.test(first)) throw new SshError(this.name, 'connect', first);
      const second = await this.openMaster();
      if (second !== null) throw new SshError(this.name, 'connect', second);
    })();
    return this.connected;
  }

  /** One attempt at the master connection: null when it is up, else why not. */
  private async openMaster(): Promise<string | null> {
    const { execa } = await import('execa');
    if (this.disposed) return 'the host was closed';
    const opener = execa('ssh', [...(await this.args('yes')), '-f', '-N'], {
      reject: false,
      stdin: 'ignore',
      timeout: this.connectTimeoutMs + 5000,
    });
    this.opener = opener;
    const r = await opener.finally(() => (this.opener = null));
    if (this.disposed) return 'the host was closed';
    if (r.timedOut) return `no answer within ${this.connectTimeoutMs} ms`;
    if (!r.failed) return null;
    return (
      lastLine(r.stderr) || (r.code === 'ENOENT' ? 'the ssh client is not installed' : `ssh exit code ${r.exitCode}`)
    );
  }

  /**
   * Runs a shell script on the host, in one of its long-lived shell
   * sessions (see ShellSession): a call costs a few forks there, not an ssh
   * channel and a login shell. A lost or late session becomes SshError.
   */
  async run(script: string, options: { input?: string; timeoutMs?: number; step?: string } = {}): Promise<ExecResult> {
    const step = options.step ?? script.split(' ')[0]!;
    try {
      return await this.pool.call(script, options.input, options.timeoutMs ?? DEFAULT_RUN_TIMEOUT_MS);
    } catch (e) {
      if (e instanceof SshError) throw e;
      throw new SshError(
        this.name,
        e instanceof SessionError && e.stage === 'start' ? 'starting a shell' : step,
        (e as Error).message,
      );
    }
  }

  exec(
    file: string,
    args: readonly string[],
    options: { timeoutMs?: number; input?: string } = {},
  ): Promise<ExecResult> {
    return this.run(shellCommand([file, ...args]), {
      timeoutMs: options.timeoutMs,
      input: options.input,
      step: `running ${file}`,
    });
  }

  async which(names: readonly string[]): Promise<string | null> {
    const tries = names.map((n) =>
      n.includes('/')
        ? `[ -x ${shellQuote(n)} ] && { echo ${shellQuote(n)}; exit 0; }`
        : `p=$(command -v ${shellQuote(n)}) && { echo "$p"; exit 0; }`,
    );
    const r = await this.run([...tries, 'exit 1'].join('\n'), { step: `looking for ${names.join(' or ')}` });
    return r.exitCode === 0 ? r.stdout.trim() || null : null;
  }

  async writeFile(path: string, content: string, mode = 0o600): Promise<void> {
    // The content goes through stdin, never the command line (it may hold a password).
    const tmp = shellQuote(`${path}.tmp`);
    const dir = shellQuote(path.slice(0, Math.max(1, path.lastIndexOf('/'))));
    await this.check(
      `umask 077; mkdir -p -- ${dir} && cat > ${tmp} && chmod ${mode.toString(8)} ${tmp} && mv -f ${tmp} ${shellQuote(path)}`,
      `writing ${path}`,
      content,
    );
  }

  async readFile(path: string): Promise<string | null> {
    const r = await this.run(`[ -e ${shellQuote(path)} ] || exit ${NO_FILE}; cat -- ${shellQuote(path)}`, {
      step: `reading ${path}`,
    });
    if (r.exitCode === NO_FILE) return null;
    if (r.exitCode !== 0) throw new SshError(this.name, `reading ${path}`, lastLine(r.stderr));
    return r.stdout;
  }

  async readFrom(path: string, offset: number): Promise<{ text: string; size: number }> {
    const f = shellQuote(path);
    // One round trip: the size on the first line, then the bytes after `offset`.
    const script = `[ -e ${f} ] || { echo 0; exit 0; }; s=$(wc -c < ${f}); echo $s; [ "$s" -gt ${offset} ] && tail -c +${offset + 1} ${f} | head -c $((s - ${offset})); exit 0`;
    const r = await this.run(script, { step: `reading ${path}` });
    const cut = r.stdout.indexOf('\n');
    const size = Number(r.stdout.slice(0, cut < 0 ? undefined : cut).trim());
    return { text: cut < 0 ? '' : r.stdout.slice(cut + 1), size: Number.isFinite(size) ? size : 0 };
  }

  /** One more ssh channel on the shared connection (not a pool session: it runs as long as the watch). */
  async follow(files: readonly FollowedFile[], onChunk: ChunkListener): Promise<Stream> {
    await this.connect();
    if (this.disposed) throw new SshError(this.name, 'following files', 'the host was closed');
    const stream = new FileStream(['ssh', ...(await this.args('no')), '--', 'exec /bin/sh'], files, onChunk);
    this.streams.add(stream);
    return stream;
  }

  async readTail(path: string, maxBytes: number): Promise<string> {
    const r = await this.run(`tail -c ${maxBytes} -- ${shellQuote(path)} 2>/dev/null; exit 0`, {
      step: `reading ${path}`,
    });
    return r.stdout;
  }

  async remove(path: string): Promise<void> {
    await this.check(`rm -rf -- ${shellQuote(path)}`, `removing ${path}`);
  }

  async processState(pid: number, markers?: readonly string[]): Promise<ProcessState> {
    const r = await this.run(
      `cat /proc/${pid}/stat 2>/dev/null || exit 0; echo; tr '\\0' ' ' < /proc/${pid}/cmdline 2>/dev/null; exit 0`,
      { step: 'checking a process' },
    );
    const cut = r.stdout.indexOf('\n');
    if (cut < 0) return 'gone';
    return processStateFrom(r.stdout.slice(0, cut), r.stdout.slice(cut + 1), markers);
  }

  async signal(pid: number, signal: Signal): Promise<void> {
    const r = await this.run(`kill -s ${signal} ${pid}`, { step: `sending SIG${signal} to ${pid}` });
    if (r.exitCode !== 0 && !/No such process/i.test(r.stderr))
      throw new SshError(this.name, `sending SIG${signal} to ${pid}`, lastLine(r.stderr));
  }

  /**
   * Reads the host's wall clock as its logs write it (local time, so a
   * different time zone is part of the offset). Best of three round trips.
   */
  clockOffset(): Promise<ClockOffset> {
    this.offset ??= (async () => {
      let best: ClockOffset | null = null;
      for (let i = 0; i < 3; i++) {
        const before = Date.now();
        const r = await this.run(`date '+%Y %m %d %H %M %S %N'`, { step: 'reading the clock' });
        const after = Date.now();
        const [y, mo, d, h, mi, s, ns] = r.stdout.trim().split(' ').map(Number);
        const remote = new Date(y!, mo! - 1, d, h, mi, s, Math.floor(ns! / 1e6)).getTime();
        if (!Number.isFinite(remote)) return { offsetMs: 0, uncertaintyMs: Number.POSITIVE_INFINITY };
        const m = {
          offsetMs: Math.round(remote - (before + after) / 2),
          uncertaintyMs: Math.ceil((after - before) / 2),
        };
        if (!best || m.uncertaintyMs < best.uncertaintyMs) best = m;
      }
      // An offset within the measurement's own error cannot be told from 0; moving times by it would only add noise.
      return Math.abs(best!.offsetMs) <= best!.uncertaintyMs
        ? { offsetMs: 0, uncertaintyMs: best!.uncertaintyMs }
        : best!;
    })();
    return this.offset;
  }

  /**
   * Closes the master connection, if one was opened or is opening (an
   * interrupted command does not wait for a slow handshake: its ssh is
   * ended, and the socket told to exit in case it had just come up).
   */
  async dispose(): Promise<void> {
    this.disposed = true;
    this.pool.close();
    for (const s of this.streams) s.close();
    this.streams.clear();
    if (!this.connected) return;
    this.opener?.kill();
    await this.connected.catch(() => undefined);
    this.connected = null;
    const { execa } = await import('execa');
    await execa('ssh', [...(await this.args('no')), '-O', 'exit'], { reject: false, stdin: 'ignore', timeout: 5000 });
  }

  private async check(script: string, step: string, input?: string): Promise<void> {
    const r = await this.run(script, { step, input });
    if (r.exitCode !== 0) throw new SshError(this.name, step, lastLine(r.stderr) || `exit code ${r.exitCode}`);
  }
}
