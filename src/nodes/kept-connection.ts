import { type Address, formatAddress } from './address.js';
import { NodeClient } from './resp-client.js';

export interface KeptConnectionOptions {
  password: string | null;
  /** CLIENT SETNAME, so the connection can be told apart in CLIENT LIST. */
  name: string;
  connectTimeoutMs: number;
  commandTimeoutMs: number;
  /** How long after a loss (or a failed open) the connection is opened again (ms). */
  retryMs?: number;
}

/**
 * One connection to one node, kept for a whole drill by writers that must
 * never wait (the write probe, the stale-master writer): opened at once,
 * and again 100 ms after it is lost or fails to open. A command while it is
 * not open fails at once with "Connection is closed." (no offline queue), a
 * command that gets no answer fails after its own deadline. That is what
 * these writers had from ioredis (`enableOfflineQueue: false`,
 * `retryStrategy: () => 100`), for less CPU per write and without loading
 * ioredis into the instruments' thread (docs/architecture.md has the figures).
 */
export class KeptConnection {
  private client: NodeClient | null = null;
  private retry: NodeJS.Timeout | null = null;
  private closed = false;
  private isReady = false;
  private waiting: (() => void)[] = [];

  constructor(
    readonly address: Address,
    private readonly o: KeptConnectionOptions,
  ) {
    this.open();
  }

  /** Connected and named, and not dropped (a dropped connection whose close is not handled yet is not ready). */
  get ready(): boolean {
    return this.isReady && this.client?.open === true;
  }

  /** Resolves once the connection is ready (callers bound the wait: a node that is down may never be). */
  whenReady(): Promise<void> {
    return this.ready ? Promise.resolve() : new Promise((resolve) => this.waiting.push(resolve));
  }

  call(...args: [string, ...(string | number)[]]): Promise<unknown> {
    if (!this.ready) return Promise.reject(new Error('Connection is closed.'));
    return this.client!.call(...args);
  }

  /** Closes it for good: what waits fails with "Connection is closed.", and nothing reopens it. */
  close(): void {
    this.closed = true;
    if (this.retry) clearTimeout(this.retry);
    this.client?.disconnect();
    this.waiting = [];
  }

  private open(): void {
    if (this.closed) return;
    this.isReady = false;
    const client = new NodeClient({
      host: this.address.host,
      port: this.address.port,
      password: this.o.password,
      timeoutMs: this.o.connectTimeoutMs,
      commandTimeoutMs: this.o.commandTimeoutMs,
      onClose: () => {
        this.isReady = false;
        if (!this.closed) this.retry = setTimeout(() => this.open(), this.o.retryMs ?? 100);
      },
    });
    this.client = client;
    client
      .connect()
      .then(() => client.call('CLIENT', 'SETNAME', this.o.name))
      .then(
        () => {
          if (client !== this.client || client.status !== 'ready') return;
          this.isReady = true;
          for (const resolve of this.waiting.splice(0)) resolve();
        },
        // A failed open or SETNAME ends the connection, and onClose opens it again.
        () => client.disconnect(),
      );
  }
}

/** One kept connection per node, opened on its first use, all with the same options. */
export class KeptConnections {
  private readonly byNode = new Map<string, KeptConnection>();

  constructor(private readonly o: KeptConnectionOptions) {}

  get(a: Address): KeptConnection {
    const key = formatAddress(a);
    let c = this.byNode.get(key);
    if (!c) this.byNode.set(key, (c = new KeptConnection(a, this.o)));
    return c;
  }

  /** Closes every one for good. */
  closeAll(): void {
    for (const c of this.byNode.values()) c.close();
    this.byNode.clear();
  }
}
