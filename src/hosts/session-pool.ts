import type { ExecResult } from './host.js';
import { withDeadline } from '../util/deadline.js';
import type { ShellSession } from './shell-session.js';

/** At most this many calls run at once on one host; more wait their turn (within their own deadline). */
export const SESSIONS_PER_HOST = 4;
/**
 * A caller waits this long for a busy session before another is opened. A
 * call takes a few ms; a new session costs a login shell's start-up, often
 * CPU-bound (pyenv, conda): a burst of them would slow each other down.
 */
const GROW_AFTER_MS = 100;

/** Why a call failed: the session could not start (`start`) or was lost or late (`call`). */
export class SessionError extends Error {
  constructor(
    readonly stage: 'start' | 'call',
    reason: string,
  ) {
    super(reason);
  }
}

/**
 * A host's shell sessions: opened on demand up to SESSIONS_PER_HOST, each
 * reused for call after call. A session that dies (its ssh killed, the
 * network gone) is replaced once; when the replacement dies too, the host
 * is given up and every call fails with the reason, so a drill ends with
 * a clear error instead of reconnecting forever.
 */
export class SessionPool {
  private readonly idle: ShellSession[] = [];
  private readonly all = new Set<ShellSession>();
  private readonly waiting: Waiter[] = [];
  private opening = 0;
  private lost = 0;
  private givenUp: string | null = null;
  private closed = false;

  constructor(
    private readonly open: () => Promise<ShellSession>,
    private readonly startTimeoutMs: number,
  ) {}

  async call(script: string, input: string | undefined, timeoutMs: number): Promise<ExecResult> {
    const deadline = Date.now() + timeoutMs;
    const waiter = this.acquire();
    // A caller that gave up waiting leaves the queue, so no session is handed to it.
    const session = await withDeadline(waiter.got, timeoutMs, `no answer within ${timeoutMs} ms`, () => {
      const i = this.waiting.indexOf(waiter);
      if (i >= 0) this.waiting.splice(i, 1);
    });
    try {
      return await session.call(script, input, Math.max(1, deadline - Date.now()));
    } catch (e) {
      throw new SessionError('call', this.noteLost(session, (e as Error).message));
    } finally {
      this.release(session);
    }
  }

  /** Ends every session; calls in flight fail. */
  close(): void {
    this.closed = true;
    for (const s of this.all) s.close();
    this.all.clear();
    this.idle.length = 0;
    for (const w of this.waiting.splice(0)) w.give(new SessionError('call', 'the host was closed'));
  }

  private acquire(): Waiter {
    const w = waiter();
    if (this.givenUp || this.closed) w.give(new SessionError('call', this.givenUp ?? 'the host was closed'));
    else if (this.idle.length) w.give(this.idle.pop()!);
    else {
      this.waiting.push(w);
      if (this.all.size + this.opening === 0) void this.grow();
      else setTimeout(() => this.growFor(w), GROW_AFTER_MS).unref();
    }
    return w;
  }

  /** One more session for a caller still waiting, if the host may have one and none is starting (else look again later). */
  private growFor(w: Waiter): void {
    if (this.closed || this.givenUp || !this.waiting.includes(w) || this.all.size >= SESSIONS_PER_HOST) return;
    if (this.opening === 0) void this.grow();
    else setTimeout(() => this.growFor(w), GROW_AFTER_MS).unref();
  }

  private async grow(): Promise<void> {
    this.opening++;
    try {
      const s = await this.open();
      await s.start(this.startTimeoutMs).catch((e: unknown) => {
        s.close();
        throw e;
      });
      this.opening--;
      if (this.closed) return s.close();
      this.all.add(s);
      this.release(s);
    } catch (e) {
      this.opening--;
      // Nothing could start: every caller waiting learns why (a shell that hangs, a refused key).
      const reason = (e as Error).message;
      if (this.all.size === 0 && this.opening === 0)
        for (const w of this.waiting.splice(0)) w.give(new SessionError('start', reason));
    }
  }

  private release(s: ShellSession): void {
    if (s.dead || this.closed) {
      this.all.delete(s);
      // A caller still waiting gets a new session in place of the dead one.
      if (this.waiting.length && !this.givenUp && !this.closed) void this.grow();
      return;
    }
    const w = this.waiting.shift();
    if (w) w.give(s);
    else this.idle.push(s);
  }

  /** Counts a session lost not by our own hand; the second loss gives the host up. */
  private noteLost(s: ShellSession, reason: string): string {
    if (!s.dead || /no answer within/.test(reason)) return reason;
    this.lost++;
    if (this.lost >= 2) this.givenUp = `the connection was lost twice (last: ${reason})`;
    return reason;
  }
}

/** A caller waiting for a session: `give` hands it one, or the reason there is none. */
interface Waiter {
  got: Promise<ShellSession>;
  give(s: ShellSession | Error): void;
}

function waiter(): Waiter {
  let give!: Waiter['give'];
  const got = new Promise<ShellSession>((resolve, reject) => {
    give = (x) => (x instanceof Error ? reject(x) : resolve(x));
  });
  return { got, give };
}
