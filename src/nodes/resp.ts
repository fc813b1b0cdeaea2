/**
 * The Redis protocol (RESP2) as the node client speaks it: commands encoded
 * as arrays of bulk strings, replies parsed from a buffer that may hold less
 * than one reply or several. Pure functions; the connection is resp-client.ts.
 */

/** An error reply ("-ERR ...", "-MOVED ...", "-NOGOODSLAVE ..."): its message is the server's text. */
export class ReplyError extends Error {
  override name = 'ReplyError';
}

/** One command as the bytes to write: `*<n>` then each argument as a bulk string. */
export function encodeCommand(args: readonly (string | number | Buffer)[]): Buffer {
  const parts: Buffer[] = [];
  let text = `*${args.length}\r\n`;
  for (const a of args) {
    if (Buffer.isBuffer(a)) {
      parts.push(Buffer.from(`${text}$${a.length}\r\n`), a);
      text = '\r\n';
    } else {
      const s = String(a);
      text += `$${Buffer.byteLength(s)}\r\n${s}\r\n`;
    }
  }
  parts.push(Buffer.from(text));
  return parts.length === 1 ? parts[0]! : Buffer.concat(parts);
}

/** A parsed reply and where the next one starts. */
export interface Parsed {
  value: unknown;
  end: number;
}

const CRLF = 0x0d;

/**
 * The reply that starts at `pos`, or null while it has not all arrived.
 * Bulk strings are text (UTF-8), or Buffers when `asBuffer`; integers are
 * numbers; nil is null; an error reply is a ReplyError value (not thrown).
 */
export function parseReply(buf: Buffer, pos: number, asBuffer: boolean): Parsed | null {
  if (pos >= buf.length) return null;
  const lineEnd = buf.indexOf(CRLF, pos);
  if (lineEnd < 0 || lineEnd + 1 >= buf.length) return null;
  const line = buf.toString('latin1', pos + 1, lineEnd);
  const next = lineEnd + 2;
  switch (buf[pos]) {
    case 0x2b: // +
      return { value: asBuffer ? Buffer.from(line, 'latin1') : buf.toString('utf8', pos + 1, lineEnd), end: next };
    case 0x2d: // -
      return { value: new ReplyError(buf.toString('utf8', pos + 1, lineEnd)), end: next };
    case 0x3a: // :
      return { value: Number(line), end: next };
    case 0x24: {
      // $
      const len = Number(line);
      if (len < 0) return { value: null, end: next };
      if (next + len + 2 > buf.length) return null;
      const value = asBuffer ? Buffer.from(buf.subarray(next, next + len)) : buf.toString('utf8', next, next + len);
      return { value, end: next + len + 2 };
    }
    case 0x2a: {
      // *
      const n = Number(line);
      if (n < 0) return { value: null, end: next };
      const items: unknown[] = new Array(n);
      let at = next;
      for (let i = 0; i < n; i++) {
        const item = parseReply(buf, at, asBuffer);
        if (!item) return null;
        items[i] = item.value;
        at = item.end;
      }
      return { value: items, end: at };
    }
    default:
      throw new ReplyError(`Protocol error: unexpected byte ${buf[pos]} at the start of a reply`);
  }
}
