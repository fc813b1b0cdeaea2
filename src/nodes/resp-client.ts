import net from 'node:net';
import { type Parsed, ReplyError, encodeCommand, parseReply } from './resp.js';

type Arg = string | number | Buffer;
/** A command and how its bulk string replies come back (text, or Buffers). */
interface Command {
  args: readonly Arg[];
  asBuffer: boolean;
}

/** wait: not connected yet; ready: connected; end: closed for good (no reconnects). */
export type NodeClientStatus = 'wait' | 'connecting' | 'ready' | 'end';

export interface NodeClientOptions {
  host: string;
  port: number;
  password?: string | null;
  /** Deadline for connecting and for every single command (ms). */
  timeoutMs: number;
  /** A command's own deadline when it differs from the connect's (ms). */
  commandTimeoutMs?: number;
  /** Called once, when the connection ends (closed by either side, or failed to open). */
  onClose?: () => void;
}

interface Pending {
  resolve: (value: unknown) => void;
  reject: (e: Error) => void;
  asBuffer: boolean;
  timer: NodeJS.Timeout;
  /** Timed out: its reply, when it comes, is read and dropped. */
  done: boolean;
}

/** What a command to a closed (or not yet open) connection fails with: the words ioredis used, which callers test. */
const CLOSED = 'Connection is closed.';

/**
 * One connection to one node, for the orchestration's own commands
 * (CLUSTER NODES, INFO, MEET, MIGRATE, SHUTDOWN...): no reconnects, no
 * offline queue, a deadline on connecting and on every command. A command
 * that times out keeps its place: its reply, if it ever comes (a frozen node
 * resumed), is read and dropped, so later replies still match their
 * commands. Not a client for applications (the loads use ioredis): it is
 * what the short commands need, without the ~60 ms it takes to load ioredis
 * at every start.
 */
export class NodeClient {
  status: NodeClientStatus = 'wait';
  private socket: net.Socket | null = null;
  private readonly pending: Pending[] = [];
  private buffer: Buffer = Buffer.alloc(0);

  constructor(private readonly options: NodeClientOptions) {}

  /**
   * Ready and still writable. Right after the server drops the connection its
   * socket is no longer writable while its close is not handled yet, so
   * `status` still says 'ready': this does not.
   */
  get open(): boolean {
    return this.status === 'ready' && this.socket?.writable === true;
  }

  /** Connects, and sends AUTH first when there is a password; rejects with the socket's error (its code kept). */
  connect(): Promise<void> {
    if (this.status !== 'wait') return Promise.reject(new Error(`the connection is ${this.status}, not new`));
    this.status = 'connecting';
    return new Promise<void>((resolve, reject) => {
      const socket = net.createConnection({ host: this.options.host, port: this.options.port });
      this.socket = socket;
      let settled = false;
      const fail = (e: Error): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        this.disconnect();
        reject(e);
      };
      const timer = setTimeout(
        () => fail(Object.assign(new Error('connect ETIMEDOUT'), { code: 'ETIMEDOUT', syscall: 'connect' })),
        this.options.timeoutMs,
      );
      socket.setNoDelay(true);
      socket.on('data', (d: Buffer) => this.read(d));
      // After the connect, a socket error ends in 'close', which fails what waits with "Connection is closed.".
      socket.on('error', (e) => fail(e));
      socket.on('close', () => {
        this.closed();
        fail(new Error(CLOSED));
      });
      socket.once('connect', () => {
        clearTimeout(timer);
        this.status = 'ready';
        if (!this.options.password) {
          settled = true;
          resolve();
          return;
        }
        this.call('AUTH', this.options.password).then(
          () => {
            settled = true;
            resolve();
          },
          (e: Error) => {
            // A password the server does not need is not an error (as with ioredis and redis-cli).
            if (/no password is set|without any password configured/i.test(e.message)) {
              settled = true;
              resolve();
            } else fail(e);
          },
        );
      });
    });
  }

  call(...args: [string, ...Arg[]]): Promise<unknown> {
    return this.send([{ args, asBuffer: false }])[0]!;
  }

  /** As call, with bulk string replies as Buffers. */
  callBuffer(...args: [string, ...Arg[]]): Promise<unknown> {
    return this.send([{ args, asBuffer: true }])[0]!;
  }

  /** Commands written at once (one write, one round trip); exec gives each its [error, reply]. */
  pipeline(): Pipeline {
    return new Pipeline((commands) => this.send(commands));
  }

  /** Closes at once: what is still waiting fails with "Connection is closed.". */
  disconnect(): void {
    this.socket?.destroy();
    this.closed();
  }

  private send(commands: readonly Command[]): Promise<unknown>[] {
    const socket = this.socket;
    if (!this.open || !socket) {
      // Ready but no longer writable is a connection on its way out (the server dropped it and its
      // close is not handled yet): the same "Connection is closed." as once it is, not "not open".
      const going = this.status === 'end' || this.status === 'ready';
      const e = new Error(going ? CLOSED : 'the connection is not open (no offline queue)');
      return commands.map(() => Promise.reject(e));
    }
    const replies = commands.map(
      (c) =>
        new Promise<unknown>((resolve, reject) => {
          const entry: Pending = {
            resolve,
            reject,
            asBuffer: c.asBuffer,
            done: false,
            timer: setTimeout(() => {
              entry.done = true;
              reject(new Error('Command timed out'));
            }, this.options.commandTimeoutMs ?? this.options.timeoutMs),
          };
          this.pending.push(entry);
        }),
    );
    socket.write(
      commands.length === 1
        ? encodeCommand(commands[0]!.args)
        : Buffer.concat(commands.map((c) => encodeCommand(c.args))),
    );
    return replies;
  }

  private read(data: Buffer): void {
    this.buffer = this.buffer.length ? Buffer.concat([this.buffer, data]) : data;
    let at = 0;
    for (;;) {
      const head = this.pending[0];
      let reply: Parsed | null;
      try {
        reply = parseReply(this.buffer, at, head?.asBuffer ?? false);
      } catch {
        // Not the protocol: nothing after this can be matched to its command.
        this.disconnect();
        return;
      }
      if (!reply) break;
      at = reply.end;
      if (!head) {
        // A reply nothing asked for (not a Redis server?): the same.
        this.disconnect();
        return;
      }
      this.pending.shift();
      clearTimeout(head.timer);
      if (head.done) continue;
      if (reply.value instanceof ReplyError) head.reject(reply.value);
      else head.resolve(reply.value);
    }
    this.buffer = at >= this.buffer.length ? Buffer.alloc(0) : this.buffer.subarray(at);
  }

  private closed(): void {
    if (this.status === 'end') return;
    this.status = 'end';
    this.buffer = Buffer.alloc(0);
    for (const p of this.pending.splice(0)) {
      clearTimeout(p.timer);
      if (!p.done) p.reject(new Error(CLOSED));
    }
    this.options.onClose?.();
  }
}

/** Commands queued by call/callBuffer and written together by exec. */
export class Pipeline {
  private readonly commands: Command[] = [];

  constructor(private readonly run: (commands: readonly Command[]) => Promise<unknown>[]) {}

  call(...args: [string, ...Arg[]]): this {
    this.commands.push({ args, asBuffer: false });
    return this;
  }

  callBuffer(...args: [string, ...Arg[]]): this {
    this.commands.push({ args, asBuffer: true });
    return this;
  }

  /** Each command's [error, null] or [null, reply], in order. */
  exec(): Promise<[Error | null, unknown][]> {
    return Promise.all(
      this.run(this.commands).map((p) =>
        p.then(
          (v): [Error | null, unknown] => [null, v],
          (e: Error): [Error | null, unknown] => [e, null],
        ),
      ),
    );
  }
}
