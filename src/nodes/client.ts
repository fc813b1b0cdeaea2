import { Redis } from 'ioredis';
import { AuthError, NodeUnreachableError, errorMessage } from '../errors.js';
import { type Address, formatAddress } from './address.js';

export { type Address, formatAddress, parseAddress, sameAddress } from './address.js';

export interface ConnectOptions {
  /** Deadline for connecting and for every single command (ms). */
  timeoutMs: number;
  password?: string | null;
}

/**
 * Sorts a connection or command failure into what the user can act on:
 * wrong password, refused, or no answer in time.
 */
export function classifyError(address: string, e: unknown, timeoutMs: number): Error {
  const msg = errorMessage(e);
  const code = (e as NodeJS.ErrnoException).code;
  if (/WRONGPASS|NOAUTH|invalid password|invalid username-password/i.test(msg))
    return new AuthError(address, msg.replace(/^\w+Error: /, ''));
  if (/ERR AUTH <password> called without any password configured/i.test(msg)) {
    return new AuthError(address, 'a password was given but the node has none');
  }
  if (code === 'ECONNREFUSED') return new NodeUnreachableError(address, 'connection refused', { cause: e });
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN')
    return new NodeUnreachableError(address, 'unknown host', { cause: e });
  if (code === 'ETIMEDOUT' || /timed? ?out/i.test(msg)) {
    return new NodeUnreachableError(address, `no answer within ${timeoutMs} ms`, { cause: e });
  }
  if (/Connection is closed|ECONNRESET|EPIPE/i.test(msg + (code ?? ''))) {
    return new NodeUnreachableError(address, 'connection closed', { cause: e });
  }
  return e instanceof Error ? e : new Error(msg);
}

/**
 * A client for one node, not yet connected. No reconnects, no offline queue,
 * and a deadline on connecting and on every command: a dead or frozen node
 * makes a call fail within `timeoutMs`, never hang.
 */
export function createNodeClient(addr: Address, options: ConnectOptions): Redis {
  const client = new Redis({
    host: addr.host,
    port: addr.port,
    password: options.password ?? undefined,
    lazyConnect: true,
    connectTimeout: options.timeoutMs,
    commandTimeout: options.timeoutMs,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    enableOfflineQueue: false,
    enableReadyCheck: false,
    autoResubscribe: false,
    // disconnect() ends the socket and waits this long for the peer's FIN
    // before destroying it; a frozen (SIGSTOPped) node never sends one, and
    // the pending timer would keep a finished command alive.
    disconnectTimeout: 0,
  });
  return client;
}

/** Connects a client from createNodeClient; a failure is classified (refused, timeout, auth). */
export async function connectClient(client: Redis, addr: Address, options: ConnectOptions): Promise<Redis> {
  // ioredis reports the socket's own error (ECONNREFUSED...) as an event and
  // rejects connect() with a generic "Connection is closed": keep the former.
  let socketError: unknown = null;
  client.on('error', (e) => (socketError ??= e));
  try {
    await client.connect();
    if (options.password) await client.ping(); // surfaces a rejected AUTH now, not on the first real command
    return client;
  } catch (e) {
    closeClient(client);
    throw classifyError(formatAddress(addr), socketError ?? e, options.timeoutMs);
  }
}

/** What a connection says when the server it talks to goes away: the answer SHUTDOWN gives when it works. */
export function isConnectionClosed(e: unknown): boolean {
  const code = (e as NodeJS.ErrnoException).code ?? '';
  return /Connection is closed|connection closed|ECONNRESET|EPIPE/i.test(`${(e as Error).message ?? ''} ${code}`);
}

/** Closes a client at once (see disconnectTimeout above). */
export function closeClient(client: Redis): void {
  client.disconnect();
}

/** Opens one connection to one node (see createNodeClient for its deadlines). */
export function connectNode(addr: Address, options: ConnectOptions): Promise<Redis> {
  return connectClient(createNodeClient(addr, options), addr, options);
}

/** Runs `fn` on a fresh connection and always closes it; errors are classified. */
export async function withNode<T>(
  addr: Address,
  options: ConnectOptions,
  fn: (client: Redis) => Promise<T>,
): Promise<T> {
  const client = await connectNode(addr, options);
  try {
    return await fn(client);
  } catch (e) {
    throw classifyError(formatAddress(addr), e, options.timeoutMs);
  } finally {
    closeClient(client);
  }
}

/** One command's reply as text (CLUSTER NODES, INFO, ...). */
export async function callText(client: Redis, ...args: [string, ...(string | number)[]]): Promise<string> {
  const reply = await client.call(...args);
  return Buffer.isBuffer(reply) ? reply.toString('utf8') : String(reply);
}
