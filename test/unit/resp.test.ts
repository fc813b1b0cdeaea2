import { describe, expect, it } from 'vitest';
import { ReplyError, encodeCommand, parseReply } from '../../src/nodes/resp.js';

const b = (s: string): Buffer => Buffer.from(s, 'utf8');

describe('encodeCommand', () => {
  it('writes an array of bulk strings, lengths in bytes', () => {
    expect(encodeCommand(['SET', 'k', 'é', 42]).toString('utf8')).toBe(
      '*4\r\n$3\r\nSET\r\n$1\r\nk\r\n$2\r\né\r\n$2\r\n42\r\n',
    );
  });

  it('keeps a Buffer argument as its bytes', () => {
    const bytes = Buffer.from([0, 0xff, 0x0d, 0x0a]);
    const out = encodeCommand(['RESTORE', bytes, 'x']);
    expect(out.equals(Buffer.concat([b('*3\r\n$7\r\nRESTORE\r\n$4\r\n'), bytes, b('\r\n$1\r\nx\r\n')]))).toBe(true);
  });
});

describe('parseReply', () => {
  it('simple string, error, integer, nil, bulk string, array', () => {
    expect(parseReply(b('+OK\r\n'), 0, false)).toEqual({ value: 'OK', end: 5 });
    const err = parseReply(b('-MOVED 3999 127.0.0.1:7001\r\n'), 0, false)!.value;
    expect(err).toBeInstanceOf(ReplyError);
    expect((err as Error).message).toBe('MOVED 3999 127.0.0.1:7001');
    expect(parseReply(b(':-12\r\n'), 0, false)!.value).toBe(-12);
    expect(parseReply(b('$-1\r\n'), 0, false)!.value).toBeNull();
    expect(parseReply(b('*-1\r\n'), 0, false)!.value).toBeNull();
    expect(parseReply(b('$5\r\nhé\r\n\r\n'), 0, false)).toEqual({ value: 'hé\r\n', end: 11 });
    expect(parseReply(b('*3\r\n$1\r\na\r\n:2\r\n*1\r\n$0\r\n\r\n'), 0, false)!.value).toEqual(['a', 2, ['']]);
  });

  it('a bulk string as a Buffer when asked, its bytes unchanged', () => {
    const v = parseReply(Buffer.concat([b('$3\r\n'), Buffer.from([0xff, 0x00, 0x41]), b('\r\n')]), 0, true)!.value;
    expect(Buffer.isBuffer(v) && [...v]).toEqual([0xff, 0x00, 0x41]);
  });

  it('null until the whole reply is there, at every cut of a nested reply', () => {
    const whole = b('*2\r\n$5\r\nhello\r\n*2\r\n:1\r\n+x\r\n');
    for (let cut = 0; cut < whole.length; cut++) expect(parseReply(whole.subarray(0, cut), 0, false)).toBeNull();
    expect(parseReply(whole, 0, false)).toEqual({ value: ['hello', [1, 'x']], end: whole.length });
  });

  it('several replies in one buffer, one after the other', () => {
    const buf = b('+PONG\r\n:7\r\n');
    const first = parseReply(buf, 0, false)!;
    expect(first.value).toBe('PONG');
    expect(parseReply(buf, first.end, false)).toEqual({ value: 7, end: buf.length });
  });

  it('a byte that starts no reply is a protocol error', () => {
    expect(() => parseReply(b('?what\r\n'), 0, false)).toThrow(/Protocol error/);
  });
});
