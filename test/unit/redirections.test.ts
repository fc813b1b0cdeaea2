import { describe, expect, it } from 'vitest';
import { parseErrorStats, redirectionsBetween } from '../../src/cluster/redirections.js';

describe('redirections from INFO errorstats', () => {
  it('reads MOVED, ASK and TRYAGAIN and ignores other errors', () => {
    const text =
      '# Errorstats\r\nerrorstat_ERR:count=4\r\nerrorstat_MOVED:count=12\r\nerrorstat_ASK:count=3\r\nerrorstat_TRYAGAIN:count=1\r\n';
    expect(parseErrorStats(text)).toEqual({ moved: 12, ask: 3, tryagain: 1 });
    expect(parseErrorStats('# Errorstats\r\n')).toEqual({ moved: 0, ask: 0, tryagain: 0 });
  });

  it('sums the difference over the nodes read both times; a restarted node counts from 0', () => {
    const before = new Map([
      ['a:1', { moved: 10, ask: 0, tryagain: 0 }],
      ['b:2', { moved: 5, ask: 5, tryagain: 5 }],
      ['gone:3', { moved: 100, ask: 100, tryagain: 100 }],
    ]);
    const after = new Map([
      ['a:1', { moved: 15, ask: 7, tryagain: 1 }],
      ['b:2', { moved: 2, ask: 1, tryagain: 0 }],
      ['new:4', { moved: 50, ask: 50, tryagain: 50 }],
    ]);
    expect(redirectionsBetween(before, after)).toEqual({ moved: 7, ask: 8, tryagain: 1, nodes: 2 });
  });
});
