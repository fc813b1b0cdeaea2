import { describe, expect, test } from 'vitest';
import { type PartitionSpec, drops, portRanges, ruleArgs } from '../../src/faults/partition-plan.js';

const spec = (mode: PartitionSpec['mode'], direction: 'in' | 'out' = 'out'): PartitionSpec => ({
  sideA: ['127.0.1.1'],
  sideB: ['127.0.1.2', '127.0.1.3'],
  mode,
  direction,
  loss: 0.3,
});

describe('the drops a network fault is made of', () => {
  test('isolate: both ways between the sides; one-way: one direction; flaky: both ways with its probability', () => {
    expect(drops(spec('isolate'))).toEqual([
      { from: '127.0.1.1', to: '127.0.1.2', probability: null },
      { from: '127.0.1.1', to: '127.0.1.3', probability: null },
      { from: '127.0.1.2', to: '127.0.1.1', probability: null },
      { from: '127.0.1.3', to: '127.0.1.1', probability: null },
    ]);
    expect(drops(spec('one-way', 'in')).map((d) => d.to)).toEqual(['127.0.1.1', '127.0.1.1']);
    expect(drops(spec('flaky')).every((d) => d.probability === 0.3)).toBe(true);
  });

  test('blackhole: everything to and from side A, whoever the other end is (clients too)', () => {
    expect(drops(spec('blackhole'))).toEqual([
      { from: null, to: '127.0.1.1', probability: null },
      { from: '127.0.1.1', to: null, probability: null },
    ]);
  });

  test('the rules name only the addresses they know, and only the deployment ports', () => {
    const rules = ruleArgs('RDRILL-x', drops(spec('blackhole')), [7000, 7001, 17000, 17001]);
    expect(rules.map((r) => r.join(' '))).toEqual([
      '-A RDRILL-x -d 127.0.1.1/32 -p tcp -m multiport --ports 7000:7001,17000:17001 -j DROP',
      '-A RDRILL-x -s 127.0.1.1/32 -p tcp -m multiport --ports 7000:7001,17000:17001 -j DROP',
    ]);
    expect(ruleArgs('RDRILL-x', drops(spec('flaky')).slice(0, 1), [7000])[0]!.join(' ')).toBe(
      '-A RDRILL-x -s 127.0.1.1/32 -d 127.0.1.2/32 -p tcp -m multiport --ports 7000 -m statistic --mode random --probability 0.3000 -j DROP',
    );
  });

  test('ports as multiport ranges, one range over all when there are too many', () => {
    expect(portRanges([7002, 7000, 7001, 7005])).toBe('7000:7002,7005');
    const scattered = Array.from({ length: 20 }, (_, i) => 7000 + i * 2);
    expect(portRanges(scattered)).toBe('7000:7038');
  });
});
