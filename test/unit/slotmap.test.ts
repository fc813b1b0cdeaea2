import { describe, expect, it } from 'vitest';
import { parseClusterNodes } from '../../src/cluster/nodes-parser.js';
import type { NodeProbe } from '../../src/cluster/probe.js';
import { buildSlotMap } from '../../src/cluster/slotmap.js';

const A = 'a'.repeat(40);
const B = 'b'.repeat(40);
const C = 'c'.repeat(40);

// Three views right after B replaced A (which was killed and restarted): A and
// B already know A is B's replica; C's gossip still lists A as a slotless master.
function probe(port: number, lines: string[]): NodeProbe {
  return {
    address: { host: '127.0.0.1', port },
    up: true,
    error: null,
    view: parseClusterNodes(lines.join('\n')),
    clusterInfo: new Map([['cluster_current_epoch', '4']]),
    replication: null,
    dbsize: 0,
  };
}
const line = (id: string, port: number, flags: string, master: string, slots: string): string =>
  `${id} 127.0.0.1:${port}@${port + 10000} ${flags} ${master} 0 0 4 connected ${slots}`.trim();

describe('buildSlotMap', () => {
  it("takes a replica's own word on whom it replicates over another node's lagging gossip", () => {
    const c = probe(3, [
      line(C, 3, 'myself,master', '-', '8192-16383'),
      line(B, 2, 'master', '-', '0-8191'),
      line(A, 1, 'master', '-', ''),
    ]);
    const a = probe(1, [
      line(A, 1, 'myself,slave', B, ''),
      line(B, 2, 'master', '-', '0-8191'),
      line(C, 3, 'master', '-', '8192-16383'),
    ]);
    const b = probe(2, [
      line(B, 2, 'myself,master', '-', '0-8191'),
      line(A, 1, 'slave', B, ''),
      line(C, 3, 'master', '-', '8192-16383'),
    ]);
    for (const order of [
      [c, a, b],
      [a, b, c],
    ]) {
      const map = buildSlotMap(order);
      expect(map.masters.map((m) => [m.port, m.replicas.map((r) => r.port)])).toEqual([
        [2, [1]],
        [3, []],
      ]);
    }
  });

  it('keeps the reference view when the replica did not answer', () => {
    const c = probe(3, [
      line(C, 3, 'myself,master', '-', '8192-16383'),
      line(B, 2, 'master', '-', '0-8191'),
      line(A, 1, 'master', '-', ''),
    ]);
    const map = buildSlotMap([c, { ...probe(1, []), up: false, view: null }]);
    expect(map.masters.map((m) => m.port)).toEqual([2, 3, 1]);
  });
});
