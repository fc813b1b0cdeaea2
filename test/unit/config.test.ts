import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/errors.js';
import { type NodeConfigInput, parseConfigEntry, renderNodeConfig } from '../../src/nodes/config.js';

const base: NodeConfigInput = {
  bind: '127.0.0.1',
  port: 7000,
  dir: '/tmp/drill/7000',
  nodeTimeoutMs: 5000,
  password: null,
  extra: [],
};

const lines = (text: string) => text.split('\n');

describe('renderNodeConfig', () => {
  it('sets the node up for cluster mode with persistence', () => {
    const l = lines(renderNodeConfig(base));
    expect(l).toContain('port 7000');
    expect(l).toContain('bind 127.0.0.1');
    expect(l).toContain('dir /tmp/drill/7000');
    expect(l).toContain('pidfile /tmp/drill/7000/redis.pid');
    expect(l).toContain('logfile /tmp/drill/7000/redis.log');
    expect(l).toContain('cluster-enabled yes');
    expect(l).toContain('cluster-config-file nodes.conf');
    expect(l).toContain('cluster-node-timeout 5000');
    expect(l).toContain('appendonly yes');
    expect(l).toContain('daemonize yes');
  });

  it('ends with a newline', () => {
    expect(renderNodeConfig(base).endsWith('\n')).toBe(true);
  });

  it('has no requirepass or masterauth without a password', () => {
    const text = renderNodeConfig(base);
    expect(text).not.toMatch(/^requirepass/m);
    expect(text).not.toMatch(/^masterauth/m);
  });

  it('sets requirepass and masterauth to the password', () => {
    const l = lines(renderNodeConfig({ ...base, password: 's3cret' }));
    expect(l).toContain('requirepass s3cret');
    expect(l).toContain('masterauth s3cret');
  });

  it('quotes values with spaces, quotes or backslashes', () => {
    const l = lines(renderNodeConfig({ ...base, dir: '/tmp/my drill', password: 'a "b" \\c' }));
    expect(l).toContain('dir "/tmp/my drill"');
    expect(l).toContain('pidfile "/tmp/my drill/redis.pid"');
    expect(l).toContain('requirepass "a \\"b\\" \\\\c"');
  });

  it('puts --config extras last, in order, quoting empty values', () => {
    const l = lines(
      renderNodeConfig({
        ...base,
        extra: [
          { key: 'maxmemory', value: '100mb' },
          { key: 'save', value: '' },
        ],
      }),
    ).filter((x) => x !== '');
    expect(l.slice(-2)).toEqual(['maxmemory 100mb', 'save ""']);
  });
});

describe('parseConfigEntry', () => {
  it.each([
    ['maxmemory=100mb', { key: 'maxmemory', value: '100mb' }],
    ['maxmemory 100mb', { key: 'maxmemory', value: '100mb' }],
    ['  cluster-require-full-coverage=no  ', { key: 'cluster-require-full-coverage', value: 'no' }],
    ['Maxmemory-Policy=allkeys-lru', { key: 'maxmemory-policy', value: 'allkeys-lru' }],
    ['save=', { key: 'save', value: '' }],
    ['save 900 1 300 10', { key: 'save', value: '900 1 300 10' }],
    ['notify-keyspace-events=K=x', { key: 'notify-keyspace-events', value: 'K=x' }],
  ])('parses %j', (text, expected) => {
    expect(parseConfigEntry(text)).toEqual(expected);
  });

  it.each(['', 'maxmemory', '=100mb', '1key=2', 'bad_key=1', 'key=a\nrequirepass x'])(
    'rejects %j with a UsageError (exit 2)',
    (text) => {
      let err: unknown;
      try {
        parseConfigEntry(text);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(UsageError);
      expect((err as UsageError).exitCode).toBe(2);
    },
  );

  it.each([
    'port',
    'bind',
    'dir',
    'daemonize',
    'pidfile',
    'logfile',
    'cluster-enabled',
    'cluster-config-file',
    'requirepass',
    'masterauth',
  ])('rejects the managed key %s with a UsageError', (key) => {
    expect(() => parseConfigEntry(`${key}=x`)).toThrow(UsageError);
    expect(() => parseConfigEntry(`${key}=x`)).toThrow(`--config ${key} cannot be set: redis-drill manages it`);
  });

  it('rejects a managed key whatever its case, pointing at the matching option', () => {
    let err: unknown;
    try {
      parseConfigEntry('PORT 7001');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(UsageError);
    expect((err as UsageError).exitCode).toBe(2);
    expect((err as UsageError).hint).toBe('use --port instead');
  });
});
