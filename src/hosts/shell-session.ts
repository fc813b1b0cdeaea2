import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { endChild } from './child.js';
import { withDeadline } from '../util/deadline.js';
import type { ExecResult } from './host.js';

/**
 * One POSIX `sh` on a remote host, started once over ssh and fed framed
 * calls on its stdin: the login shell's start-up (a .bashrc that sets up
 * pyenv, nvm or conda can take half a second) is paid once per session,
 * not once per call. Each call writes its script and input to files in a
 * private directory, runs the script in a child `sh` with its output in
 * files, and prints one header line `@@RD <id> <exit code> <stdout bytes>
 * <stderr bytes>` followed by both outputs, so any bytes can come back.
 * One call at a time; the pool (SshSessions) runs several sessions.
 */
export class ShellSession {
  private readonly child: ChildProcessWithoutNullStreams;
  private buf: Buffer = Buffer.alloc(0);
  private ready = false;
  private nextId = 1;
  private current: { id: number; resolve(r: ExecResult): void; reject(e: Error): void } | null = null;
  private startWait: { resolve(): void; reject(e: Error): void } | null = null;
  private stderrTail = '';
  /** Why the session can take no more calls (null while it can). */
  dead: string | null = null;
  /** Random per session: a heredoc ends at a line that no script or file of ours holds. */
  private readonly delimiter = `RD_EOF_${randomBytes(8).toString('hex')}`;

  /** `command`: what starts the shell, e.g. ssh HOST -- 'exec /bin/sh' (the login shell reads its start-up files, then gives way). */
  constructor(command: readonly [string, ...string[]]) {
    this.child = spawn(command[0], command.slice(1), { stdio: ['pipe', 'pipe', 'pipe'] });
    this.child.stdout.on('data', (d: Buffer) => this.onData(d));
    this.child.stderr.on('data', (d: Buffer) => (this.stderrTail = (this.stderrTail + d.toString()).slice(-2000)));
    this.child.stdin.on('error', () => undefined);
    this.child.once('error', (e: NodeJS.ErrnoException) =>
      this.fail(e.code === 'ENOENT' ? `${command[0]} is not installed` : e.message),
    );
    this.child.once('close', (code) => this.fail(lastLine(this.stderrTail) || `${command[0]} exited (code ${code})`));
  }

  /** Resolves once the remote sh answers; rejects when it does not within `timeoutMs`. */
  start(timeoutMs: number): Promise<void> {
    const started = new Promise<void>((resolve, reject) => (this.startWait = { resolve, reject }));
    // The private directory goes when the shell exits, also when ssh hangs up.
    this.write(
      [
        'umask 077',
        'T=$(mktemp -d "${TMPDIR:-/tmp}/redis-drill-sh.XXXXXX") || exit 1',
        `trap 'rm -rf "$T"' EXIT`,
        `trap 'exit 129' HUP INT TERM PIPE`,
        `printf '\\n@@RD READY\\n'`,
        '',
      ].join('\n'),
    );
    return withDeadline(started, timeoutMs, `the remote shell did not start within ${timeoutMs} ms`, () =>
      this.close(),
    );
  }

  /** Runs `script` in a fresh `sh` with `input` on its stdin (none: /dev/null). */
  call(script: string, input: string | undefined, timeoutMs: number): Promise<ExecResult> {
    if (this.dead) return Promise.reject(new Error(this.dead));
    if (this.current) return Promise.reject(new Error('a session runs one call at a time'));
    const id = this.nextId++;
    const done = new Promise<ExecResult>((resolve, reject) => (this.current = { id, resolve, reject }));
    const d = this.delimiter;
    const inputPart =
      input === undefined ? `: > "$T/i"` : `head -c ${Buffer.byteLength(input)} > "$T/i" <<'${d}'\n${input}\n${d}`;
    this.write(
      [
        `cat > "$T/s" <<'${d}'`,
        script,
        d,
        inputPart,
        `sh "$T/s" < "$T/i" > "$T/o" 2> "$T/e"; c=$?`,
        `printf '@@RD %s %s %s %s\\n' ${id} "$c" $(wc -c < "$T/o") $(wc -c < "$T/e"); cat "$T/o" "$T/e"`,
        '',
      ].join('\n'),
    );
    // A call that overruns leaves its sh busy: the session is closed, the pool opens another.
    return withDeadline(done, timeoutMs, `no answer within ${timeoutMs} ms`, () => this.close());
  }

  get busy(): boolean {
    return this.current !== null;
  }

  /**
   * Ends the session: ssh ends on SIGTERM and the remote shell, its channel
   * closed, exits and removes its directory. SIGKILL if that takes a second.
   */
  close(): void {
    this.fail('the session was closed');
    endChild(this.child);
  }

  private write(text: string): void {
    if (this.dead) return;
    this.child.stdin.write(text);
  }

  private fail(reason: string): void {
    if (this.dead) return;
    this.dead = reason;
    const e = new Error(reason);
    this.startWait?.reject(e);
    this.startWait = null;
    this.current?.reject(e);
    this.current = null;
  }

  private onData(d: Buffer): void {
    this.buf = this.buf.length ? Buffer.concat([this.buf, d]) : d;
    if (!this.ready) {
      // Whatever the login shell printed before our shell took over is not ours.
      const at = this.buf.indexOf('\n@@RD READY\n');
      if (at < 0) return;
      this.buf = this.buf.subarray(at + '\n@@RD READY\n'.length);
      this.ready = true;
      this.startWait?.resolve();
      this.startWait = null;
    }
    this.takeFrames();
  }

  private takeFrames(): void {
    for (;;) {
      const nl = this.buf.indexOf('\n');
      if (nl < 0) return;
      const header = this.buf.subarray(0, nl).toString().trim().split(/\s+/);
      if (header[0] !== '@@RD' || header.length !== 5) {
        this.close();
        return;
      }
      const [id, code, outLen, errLen] = header.slice(1).map(Number) as [number, number, number, number];
      if (this.buf.length < nl + 1 + outLen + errLen) return;
      const out = this.buf.subarray(nl + 1, nl + 1 + outLen).toString();
      const err = this.buf.subarray(nl + 1 + outLen, nl + 1 + outLen + errLen).toString();
      this.buf = this.buf.subarray(nl + 1 + outLen + errLen);
      const call = this.current;
      if (call?.id !== id) continue;
      this.current = null;
      call.resolve({ exitCode: code, stdout: out, stderr: err });
    }
  }
}

export function lastLine(text: string): string {
  return text.trim().split('\n').filter(Boolean).pop()?.trim() ?? '';
}
