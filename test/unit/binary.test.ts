import { describe, expect, it } from 'vitest';
import { parseServerVersion, versionAtLeast } from '../../src/nodes/binary.js';

describe('parseServerVersion', () => {
  it('reads redis-server --version', () => {
    expect(
      parseServerVersion('Redis server v=7.0.15 sha=00000000:0 malloc=jemalloc-5.3.0 bits=64 build=ae4d7c971a948f0\n'),
    ).toEqual({
      flavor: 'redis',
      version: '7.0.15',
    });
  });

  it('reads valkey-server --version', () => {
    expect(
      parseServerVersion('Valkey server v=8.0.1 sha=00000000:0 malloc=jemalloc-5.3.0 bits=64 build=a5f6c5fd5a0f2b35'),
    ).toEqual({
      flavor: 'valkey',
      version: '8.0.1',
    });
  });

  it('finds the version line after other output', () => {
    expect(parseServerVersion('some warning\nRedis server v=6.2.14 sha=0 malloc=libc bits=64 build=1')?.version).toBe(
      '6.2.14',
    );
  });

  it.each(['', 'redis-cli 7.0.15', 'bash: redis-server: command not found', 'KeyDB server v=6.3.4'])(
    'returns null for %j',
    (text) => {
      expect(parseServerVersion(text)).toBeNull();
    },
  );
});

describe('versionAtLeast', () => {
  it.each([
    ['7.0.15', '7.0', true],
    ['7.0.15', '7.0.15', true],
    ['7.0.15', '7.0.16', false],
    ['6.2.14', '7.0', false],
    ['10.0.0', '9.9', true],
    ['7.10.0', '7.9', true],
    ['5.0', '5.0.0', true],
    ['5.0', '5.0.1', false],
    ['4.0.14', '5.0', false],
  ])('%s >= %s is %s', (version, wanted, expected) => {
    expect(versionAtLeast(version, wanted)).toBe(expected);
  });
});
