import { describe, expect, test } from 'vitest';
import { dataRole, startOrder } from '../../src/cluster/lifecycle.js';

describe('the order a stopped deployment starts in', () => {
  test('masters, then replicas, then sentinels; an empty wave is left out', () => {
    expect(startOrder(['sentinel', 'replica', 'master', 'replica', 'sentinel'])).toEqual([[2], [1, 3], [0, 4]]);
    expect(startOrder(['sentinel', 'sentinel'])).toEqual([[0, 1]]);
    expect(startOrder(['replica', 'master'])).toEqual([[1], [0]]);
    expect(startOrder([])).toEqual([]);
  });

  test("a data node's role is what its redis.conf says (Sentinel rewrites it at a failover)", () => {
    expect(dataRole('port 7001\nreplicaof 127.0.0.1 7000\n')).toBe('replica');
    expect(dataRole('port 7001\n  slaveof 127.0.0.1 7000\n')).toBe('replica');
    expect(dataRole('port 7000\n# replicaof 127.0.0.1 7001\nappendonly yes\n')).toBe('master');
    expect(dataRole('port 7000\nreplica-priority 100\n')).toBe('master');
    // A missing file starts with the masters: its start fails with its own reason.
    expect(dataRole(null)).toBe('master');
  });
});
