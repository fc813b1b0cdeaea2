import { AuthError, NodeUnreachableError, errorMessage } from '../errors.js';
import { type Address, formatAddress } from './address.js';
import { NodeClient } from './resp-client.js';

export { type Address, formatAddress, parseAddress, sameAddress } from './address.js';
export type { NodeClient } from './resp-client.js';

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
 * A client for one node, not yet connected (see NodeClient). No reconnects,
 * no offline queue, and a deadline on connecting and on every command: a
 * dead or frozen node makes a call fail within `timeoutMs`, never hang.
 */
export function createNodeClient(addr: Address, options: ConnectOptions): NodeClient {
  return new NodeClient({ host: addr.host, port: addr.port, password: options.password, timeoutMs: options.timeoutMs });
}

/** Connects a client from createNodeClient (AUTH included); a failure is classified (refused, timeout, auth). */
export async function connectClient(client: NodeClient, addr: Address, options: ConnectOptions): Promise<NodeClient> {
  try {
    await client.connect();
    return client;
  } catch (e) {
    closeClient(client);
    throw classifyError(formatAddress(addr), e, options.timeoutMs);
  }
}

/** What a connection says when the server it talks to goes away: the answer SHUTDOWN gives when it works. */
export function isConnectionClosed(e: unknown): boolean {
  const code = (e as NodeJS.ErrnoException).code ?? '';
  return /Connection is closed|connection closed|ECONNRESET|EPIPE/i.test(`${(e as Error).message ?? ''} ${code}`);
}

/** Closes a client at once: what still waits on it fails with "Connection is closed.". */
export function closeClient(client: NodeClient): void {
  client.disconnect();
}

/** Opens one connection to one node (see createNodeClient for its deadlines). */
export function connectNode(addr: Address, options: ConnectOptions): Promise<NodeClient> {
  return connectClient(createNodeClient(addr, options), addr, options);
}

/** Runs `fn` on a fresh connection and always closes it; errors are classified. */
export async function withNode<T>(
  addr: Address,
  options: ConnectOptions,
  fn: (client: NodeClient) => Promise<T>,
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
export async function callText(client: NodeClient, ...args: [string, ...(string | number)[]]): Promise<string> {
  const reply = await client.call(...args);
  return Buffer.isBuffer(reply) ? reply.toString('utf8') : String(reply);
}
