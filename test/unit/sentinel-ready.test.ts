import { describe, expect, test } from 'vitest';
import { replicasNotReady } from '../../src/sentinel/health.js';

/** One entry of SENTINEL REPLICAS as Redis 7.0 sends it (field-value pairs), with the fields that matter here. */
const entry = (port: number, flags: string, link: string): string[] => [
  'name',
  `127.0.0.1:${port}`,
  'ip',
  '127.0.0.1',
  'port',
  String(port),
  'flags',
  flags,
  'master-link-status',
  link,
  'slave-priority',
  '100',
];

describe('replicasNotReady: whether a sentinel could promote a replica now', () => {
  test('connected replicas whose last INFO showed the link up: ready', () => {
    expect(replicasNotReady([entry(7001, 'slave', 'ok'), entry(7002, 'slave', 'ok')])).toBeNull();
  });

  test('listed from known-replica but not connected yet (its link reads err until the first INFO): not ready', () => {
    expect(replicasNotReady([entry(7001, 'slave,disconnected', 'err'), entry(7002, 'slave', 'ok')])).toBe(
      '127.0.0.1:7001 disconnected',
    );
  });

  test('connected, but its first INFO came before its sync: not ready, and says so', () => {
    expect(replicasNotReady([entry(7001, 'slave', 'ok'), entry(7002, 'slave', 'err')])).toBe('127.0.0.1:7002 link err');
  });

  test('a replica the sentinel thinks is down: not ready', () => {
    expect(replicasNotReady([entry(7001, 'slave,s_down,disconnected', 'err')])).toBe(
      '127.0.0.1:7001 s_down,disconnected',
    );
  });

  test('an empty or unexpected reply lists nothing to wait for (the replica count is checked apart)', () => {
    expect(replicasNotReady([])).toBeNull();
    expect(replicasNotReady('ERR No such master with that name')).toBeNull();
  });
});
