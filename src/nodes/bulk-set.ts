import net from 'node:net';
import { AuthError, InterruptedError, NodeUnreachableError } from '../errors.js';
import { type Address, formatAddress } from './address.js';

export interface BulkSetResult {
  ok: number;
  /** The first few error replies (e.g. MOVED when the slot map changed meanwhile). */
  errorSamples: string[];
  errors: number;
}

export interface BulkSetOptions {
  password: string | null;
  /** Fails when the server sends nothing for this long. */
  timeoutMs: number;
  abortSignal?: AbortSignal;
}

/** Commands encoded per write, and unanswered commands allowed before writing more. */
const CHUNK = 4096;
const WINDOW = 65536;

function encode(args: string[]): string {
  let s = `*${args.length}\r\n`;
  for (const a of args) s += `$${Buffer.byteLength(a)}\r\n${a}\r\n`;
  return s;
}

/**
 * SETs many keys on one node over a raw connection, in RESP written by hand.
 * Why not an ioredis pipeline: ioredis builds a command object and a promise
 * per SET, which caps a bulk load at about 140k SET/s here; encoding the
 * protocol directly runs at the servers' speed. SET replies are one line
 * each (+OK or -ERR ...), so counting lines is a complete parser for them.
 */
export function bulkSet(
  addr: Address,
  keys: readonly string[],
  value: string,
  o: BulkSetOptions,
): Promise<BulkSetResult> {
  const label = formatAddress(addr);
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: addr.host, port: addr.port });
    const result: BulkSetResult = { ok: 0, errors: 0, errorSamples: [] };
    const valuePart = `$${Buffer.byteLength(value)}\r\n${value}\r\n`;
    let sent = 0;
    let answered = 0;
    let authPending = o.password !== null;
    let carry = '';
    let done = false;

    const finish = (error?: Error): void => {
      if (done) return;
      done = true;
      o.abortSignal?.removeEventListener('abort', onAbort);
      socket.destroy();
      if (error) reject(error);
      else resolve(result);
    };
    const onAbort = (): void => finish(new InterruptedError());
    o.abortSignal?.addEventListener('abort', onAbort, { once: true });

    const pump = (): void => {
      while (sent < keys.length && sent - answered < WINDOW) {
        let chunk = '';
        const end = Math.min(keys.length, sent + CHUNK);
        for (let i = sent; i < end; i++) {
          const k = keys[i]!;
          chunk += `*3\r\n$3\r\nSET\r\n$${Buffer.byteLength(k)}\r\n${k}\r\n${valuePart}`;
        }
        sent = end;
        if (!socket.write(chunk)) {
          socket.once('drain', pump);
          return;
        }
      }
    };

    socket.setNoDelay(true);
    socket.setTimeout(o.timeoutMs, () => finish(new NodeUnreachableError(label, `no answer within ${o.timeoutMs} ms`)));
    socket.on('error', (e: NodeJS.ErrnoException) =>
      finish(
        new NodeUnreachableError(label, e.code === 'ECONNREFUSED' ? 'connection refused' : e.message, { cause: e }),
      ),
    );
    socket.on('close', () =>
      finish(
        answered < keys.length ? new NodeUnreachableError(label, 'connection closed during the writes') : undefined,
      ),
    );
    socket.on('connect', () => {
      if (o.password !== null) socket.write(encode(['AUTH', o.password]));
      pump();
    });
    socket.setEncoding('utf8');
    socket.on('data', (data: string) => {
      const text = carry + data;
      let start = 0;
      for (let nl = text.indexOf('\r\n'); nl >= 0; nl = text.indexOf('\r\n', start)) {
        const line = text.slice(start, nl);
        start = nl + 2;
        if (authPending) {
          authPending = false;
          if (line !== '+OK') return finish(new AuthError(label, line.replace(/^-/, '')));
          continue;
        }
        answered++;
        if (line.charCodeAt(0) === 43 /* + */) result.ok++;
        else {
          result.errors++;
          if (result.errorSamples.length < 5) result.errorSamples.push(`${label}: ${line.replace(/^-/, '')}`);
        }
      }
      carry = text.slice(start);
      if (answered === keys.length) finish();
      else pump();
    });
    if (keys.length === 0) finish();
  });
}
