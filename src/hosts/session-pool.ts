import type { ExecResult } from './host.js';
import { withDeadline } from '../util/deadline.js';
import type { ShellSession } from './shell-session.js';

/** At most this many calls run at once on one host; more wait their turn (within their own deadline). */
export const SESSIONS_PER_HOST = 4;
/**
 * A caller waits at least this long for a busy session before another is
 * opened, and longer when sessions are slow to start: as long as the last
 * one took (see growAfterMs).
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
  /** Sessions whose shell is still starting: close() ends them too, so an interrupted command does not wait for a slow login shell. */
  private readonly starting = new Set<ShellSession>();
  private readonly waiting: Waiter[] = [];
  private opening = 0;
  /** How long the last session took to open, and when a session last became ready (see growFor). */
  private startCostMs = 0;
  private readyAt = 0;
  /** Resolved when a session is up (see whenUp). */
  private up: { promise: Promise<void>; resolve(): void } | null = null;
  private lost = 0;
  private givenUp: string | null = null;
  private closed = false;

  constructor(
    private readonly open: () => Promise<ShellSession>,
    private readonly startTimeoutMs: number,
  ) {}

  async call(script: string, input: string | undefined, timeoutMs: number): Promise<ExecResult> {
    const waiter = this.acquire();
    let deadline = Date.now() + timeoutMs;
    if (this.all.size === 0) {
      // No session is up: the wait is for a login shell to start, which has its own bound (a slow shell is not a
      // slow answer). The call's deadline counts from when one is up; queueing behind busy sessions counts.
      await Promise.race([waiter.got, this.whenUp()]);
      deadline = Date.now() + timeoutMs;
    }
    // A caller that gave up waiting leaves the queue, so no session is handed to it.
    const session = await withDeadline(
      waiter.got,
      Math.max(1, deadline - Date.now()),
      `no answer within ${timeoutMs} ms`,
      () => {
        const i = this.waiting.indexOf(waiter);
        if (i >= 0) this.waiting.splice(i, 1);
      },
    );
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
    for (const s of [...this.all, ...this.starting]) s.close();
    this.all.clear();
    this.starting.clear();
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
      else this.growLater(w, this.growAfterMs());
    }
    return w;
  }

  /** Resolves once some session is up (at once if one is). */
  private whenUp(): Promise<void> {
    if (this.all.size > 0) return Promise.resolve();
    if (!this.up) {
      let resolve!: () => void;
      const promise = new Promise<void>((r) => (resolve = r));
      this.up = { promise, resolve };
    }
    return this.up.promise;
  }

  /**
   * Waiting for a busy session beats opening one while the wait is shorter
   * than a session's start. A login shell that sets up pyenv or conda takes
   * half a second or more, and pyenv's start-up (rehash) holds a lock that
   * every other new shell on that machine queues for: opening sessions
   * eagerly made the shells wait on each other for over 10 s on a busy host.
   */
  private growAfterMs(): number {
    return Math.max(GROW_AFTER_MS, this.startCostMs);
  }

  private growLater(w: Waiter, inMs: number): void {
    setTimeout(() => this.growFor(w), Math.max(10, inMs)).unref();
  }

  /**
   * One more session for a caller still waiting, if the host may have one,
   * none is starting and the caller has waited a session's start since it
   * came or since the last session came up (a burst of callers at the start
   * is served by the first session, not by as many new shells). Else look
   * again later.
   */
  private growFor(w: Waiter): void {
    if (this.closed || this.givenUp || !this.waiting.includes(w) || this.all.size >= SESSIONS_PER_HOST) return;
    const left = this.growAfterMs() - (Date.now() - Math.max(w.since, this.readyAt));
    if (this.opening === 0 && left <= 0) void this.grow();
    else this.growLater(w, this.opening === 0 ? left : GROW_AFTER_MS);
  }

  private async grow(): Promise<void> {
    this.opening++;
    const began = Date.now();
    try {
      const s = await this.open();
      if (this.closed) {
        this.opening--;
        return s.close();
      }
      this.starting.add(s);
      await s.start(this.startTimeoutMs).then(
        () => this.starting.delete(s),
        (e: unknown) => {
          this.starting.delete(s);
          s.close();
          throw e;
        },
      );
      this.opening--;
      this.readyAt = Date.now();
      this.startCostMs = this.readyAt - began;
      if (this.closed) return s.close();
      this.all.add(s);
      this.up?.resolve();
      this.up = null;
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
  /** When the caller began to wait. */
  since: number;
  got: Promise<ShellSession>;
  give(s: ShellSession | Error): void;
}

function waiter(): Waiter {
  let give!: Waiter['give'];
  const got = new Promise<ShellSession>((resolve, reject) => {
    give = (x) => (x instanceof Error ? reject(x) : resolve(x));
  });
  return { since: Date.now(), got, give };
}
