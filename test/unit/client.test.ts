import { describe, expect, it } from 'vitest';
import { AuthError, NodeUnreachableError } from '../../src/errors.js';
import { classifyError, formatAddress, parseAddress } from '../../src/nodes/client.js';

describe('parseAddress', () => {
  it.each([
    ['127.0.0.1:7000', { host: '127.0.0.1', port: 7000 }],
    ['redis-a.internal:6379', { host: 'redis-a.internal', port: 6379 }],
    ['[::1]:7000', { host: '::1', port: 7000 }],
    [' localhost:1 ', { host: 'localhost', port: 1 }],
    ['h:65535', { host: 'h', port: 65535 }],
  ])('parses %j', (text, expected) => {
    expect(parseAddress(text)).toEqual(expected);
  });

  it.each(['host:0', 'host:99999', 'host:65536', 'nocolon', 'host:', ':7000', '::1:7000', 'host:70a0', ''])(
    'returns null for %j',
    (text) => {
      expect(parseAddress(text)).toBeNull();
    },
  );
});

describe('formatAddress', () => {
  it('prints host:port, bracketing IPv6 hosts', () => {
    expect(formatAddress({ host: '127.0.0.1', port: 7000 })).toBe('127.0.0.1:7000');
    expect(formatAddress({ host: '::1', port: 7000 })).toBe('[::1]:7000');
  });

  it.each(['127.0.0.1:7000', '[::1]:7000', '[fe80::1]:6379'])('round-trips %s through parseAddress', (text) => {
    expect(formatAddress(parseAddress(text)!)).toBe(text);
  });
});

const errno = (message: string, code: string) => Object.assign(new Error(message), { code });

describe('classifyError', () => {
  const addr = '127.0.0.1:7000';

  it('turns ECONNREFUSED into NodeUnreachableError "connection refused", keeping the cause', () => {
    const cause = errno('connect ECONNREFUSED 127.0.0.1:7000', 'ECONNREFUSED');
    const e = classifyError(addr, cause, 500);
    expect(e).toBeInstanceOf(NodeUnreachableError);
    expect((e as NodeUnreachableError).reason).toBe('connection refused');
    expect((e as NodeUnreachableError).exitCode).toBe(3);
    expect(e.message).toBe('127.0.0.1:7000 is unreachable: connection refused');
    expect(e.cause).toBe(cause);
  });

  it('turns WRONGPASS into AuthError (exit 3)', () => {
    const e = classifyError(addr, new Error('WRONGPASS invalid username-password pair or user is disabled.'), 500);
    expect(e).toBeInstanceOf(AuthError);
    expect((e as AuthError).exitCode).toBe(3);
    expect(e.message).toContain('WRONGPASS invalid username-password pair');
    expect(e.message).toMatch(/^127\.0\.0\.1:7000: authentication failed/);
  });

  it('strips an "XError: " prefix from the auth reason', () => {
    const e = classifyError(addr, 'ReplyError: NOAUTH Authentication required.', 500);
    expect(e).toBeInstanceOf(AuthError);
    expect(e.message).toBe('127.0.0.1:7000: authentication failed (NOAUTH Authentication required.)');
  });

  it('says so when a password is sent to a node that has none', () => {
    const e = classifyError(
      addr,
      new Error(
        'ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?',
      ),
      500,
    );
    expect(e).toBeInstanceOf(AuthError);
    expect(e.message).toContain('a password was given but the node has none');
  });

  it.each([
    ['an ioredis command timeout', new Error('Command timed out')],
    ['a connect ETIMEDOUT', errno('connect ETIMEDOUT', 'ETIMEDOUT')],
  ])('turns %s into "no answer within N ms"', (_what, cause) => {
    const e = classifyError(addr, cause, 750);
    expect(e).toBeInstanceOf(NodeUnreachableError);
    expect((e as NodeUnreachableError).reason).toBe('no answer within 750 ms');
  });

  it('turns ENOTFOUND into "unknown host"', () => {
    const e = classifyError('nohost:7000', errno('getaddrinfo ENOTFOUND nohost', 'ENOTFOUND'), 500);
    expect((e as NodeUnreachableError).reason).toBe('unknown host');
  });

  it.each([new Error('Connection is closed.'), errno('read ECONNRESET', 'ECONNRESET')])(
    'turns %s into "connection closed"',
    (cause) => {
      const e = classifyError(addr, cause, 500);
      expect(e).toBeInstanceOf(NodeUnreachableError);
      expect((e as NodeUnreachableError).reason).toBe('connection closed');
    },
  );

  it('passes other errors through unchanged', () => {
    const other = new Error('ERR unknown command');
    expect(classifyError(addr, other, 500)).toBe(other);
  });

  it('wraps a non-Error value in an Error', () => {
    const e = classifyError(addr, 'something odd', 500);
    expect(e).toBeInstanceOf(Error);
    expect(e.message).toBe('something odd');
  });
});
