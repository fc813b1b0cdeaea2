import { describe, expect, it } from 'vitest';
import {
  ClusterNodesCache,
  ClusterNodesParseError,
  isFailing,
  parseClusterNodes,
  parseClusterNodesLine,
  parseInfo,
  parseNodeAddress,
} from '../../src/cluster/nodes-parser.js';

// A CLUSTER NODES reply from a Redis 7.0.15 cluster of 3 masters x 1 replica.
const REPLY = [
  'b302277c50e6db000a9d9a8292b22fe9f54eb0c2 127.0.0.1:23000@33000 myself,master - 0 1795253887000 1 connected 0-5460',
  '96ce1924b94d8d7a8e1f5e0b8e4b0f0b1d1c4a27 127.0.0.1:23003@33003 slave b302277c50e6db000a9d9a8292b22fe9f54eb0c2 0 1795253888628 1 connected',
  'e7d1eecce10fd6bb5eb35b9f99a514335d9ba9ca 127.0.0.1:23001@33001 master - 0 1795253888000 2 connected 5461-10922',
  '292f8b365bb7edb5e285caf0b7e6ddc7265d2f4f 127.0.0.1:23002@33002 master - 0 1795253887597 3 connected 10923-16383',
  '',
].join('\n');

describe('parseClusterNodes', () => {
  it('parses a real Redis 7.0 reply, ignoring the trailing newline', () => {
    const nodes = parseClusterNodes(REPLY);
    expect(nodes.map((n) => n.port)).toEqual([23000, 23003, 23001, 23002]);
    expect(nodes[0]).toEqual({
      id: 'b302277c50e6db000a9d9a8292b22fe9f54eb0c2',
      host: '127.0.0.1',
      port: 23000,
      busPort: 33000,
      hostname: null,
      flags: ['myself', 'master'],
      myself: true,
      role: 'master',
      masterId: null,
      configEpoch: 1,
      linkState: 'connected',
      slots: [[0, 5460]],
      migrating: [],
      importing: [],
    });
  });

  it('maps the wire flag "slave" to role replica with its master id', () => {
    const replica = parseClusterNodes(REPLY)[1]!;
    expect(replica.role).toBe('replica');
    expect(replica.myself).toBe(false);
    expect(replica.masterId).toBe('b302277c50e6db000a9d9a8292b22fe9f54eb0c2');
    expect(replica.slots).toEqual([]);
  });

  it('skips blank and whitespace-only lines, and copes with CRLF', () => {
    const text = `\n${REPLY.split('\n').join('\r\n')}\n   \n\n`;
    expect(parseClusterNodes(text)).toHaveLength(4);
  });

  it('returns nothing for an empty reply', () => {
    expect(parseClusterNodes('')).toEqual([]);
  });

  it('throws ClusterNodesParseError for a malformed line anywhere in the reply', () => {
    expect(() => parseClusterNodes(`${REPLY}this is not a node line\n`)).toThrow(ClusterNodesParseError);
  });
});

describe('parseClusterNodesLine', () => {
  it('reads several ranges and single slots, merged and sorted', () => {
    const n = parseClusterNodesLine(
      'e7d1eecce10fd6bb5eb35b9f99a514335d9ba9ca 127.0.0.1:7001@17001 master - 0 1700000000000 2 connected 300-400 0-100 200 101',
    );
    expect(n.slots).toEqual([
      [0, 101],
      [200, 200],
      [300, 400],
    ]);
  });

  it('reads migrating and importing slots apart from owned slots', () => {
    const n = parseClusterNodesLine(
      '292f8b365bb7edb5e285caf0b7e6ddc7265d2f4f 127.0.0.1:7000@17000 myself,master - 0 0 1 connected 0-5460 [93->-e7d1eecce10fd6bb5eb35b9f99a514335d9ba9ca] [77-<-b302277c50e6db000a9d9a8292b22fe9f54eb0c2]',
    );
    expect(n.slots).toEqual([[0, 5460]]);
    expect(n.migrating).toEqual([{ slot: 93, to: 'e7d1eecce10fd6bb5eb35b9f99a514335d9ba9ca' }]);
    expect(n.importing).toEqual([{ slot: 77, from: 'b302277c50e6db000a9d9a8292b22fe9f54eb0c2' }]);
  });

  it('ClusterNodesCache: a line that changed only its ping and pong times is the same entry; any other change is parsed anew', () => {
    const cache = new ClusterNodesCache();
    const first = cache.parse(REPLY);
    const later = REPLY.replace('0 1795253888628 1', '1795253889000 1795253889100 1').replace(
      '- 0 1795253887597 3',
      '- 0 1795253889597 3',
    );
    expect(later).not.toBe(REPLY);
    const second = cache.parse(later);
    expect(second).toEqual(parseClusterNodes(later));
    second.forEach((e, i) => expect(e).toBe(first[i]));
    const failed = cache.parse(later.replace('127.0.0.1:23002@33002 master', '127.0.0.1:23002@33002 master,fail'));
    expect(failed[3]!.flags).toEqual(['master', 'fail']);
    expect(failed[3]).not.toBe(second[3]);
    expect(failed[0]).toBe(second[0]);
  });

  it('reads the failure flags fail? and fail, and a disconnected link', () => {
    const pfail = parseClusterNodesLine(
      '292f8b365bb7edb5e285caf0b7e6ddc7265d2f4f 127.0.0.1:7002@17002 master,fail? - 1795253880000 1795253879000 3 disconnected 10923-16383',
    );
    const fail = parseClusterNodesLine(
      '292f8b365bb7edb5e285caf0b7e6ddc7265d2f4f 127.0.0.1:7002@17002 master,fail - 1795253880000 1795253879000 3 disconnected 10923-16383',
    );
    expect(pfail.flags).toEqual(['master', 'fail?']);
    expect(pfail.linkState).toBe('disconnected');
    expect(fail.flags).toEqual(['master', 'fail']);
    expect(isFailing(pfail)).toBe(true);
    expect(isFailing(fail)).toBe(true);
  });

  it('reads a node still in handshake (no id known yet, empty host)', () => {
    const n = parseClusterNodesLine(
      '5d8a0a9ba0fc7ed0ec7b2e1fcdbd3b7b85f0e0c4 :7005@17005 handshake - 1795253887000 0 0 disconnected',
    );
    expect(n.flags).toEqual(['handshake']);
    expect(n.host).toBe('');
    expect(n.port).toBe(7005);
    expect(n.role).toBe('master');
    expect(isFailing(n)).toBe(false);
  });

  it('reads a noaddr node', () => {
    const n = parseClusterNodesLine(
      '6fb7dfdb6188a9fe53c48ea32d541724f36434e9 :0@0 master,noaddr - 1658754833817 1658754833817 3 disconnected',
    );
    expect(n.flags).toContain('noaddr');
    expect(n).toMatchObject({ host: '', port: 0, busPort: 0, linkState: 'disconnected', slots: [] });
  });

  it('reads a line with an announced hostname', () => {
    const n = parseClusterNodesLine(
      'b302277c50e6db000a9d9a8292b22fe9f54eb0c2 127.0.0.1:7000@17000,host-a myself,master - 0 0 1 connected 0-16383',
    );
    expect(n).toMatchObject({ host: '127.0.0.1', port: 7000, busPort: 17000, hostname: 'host-a' });
  });

  it.each([
    ['too few fields', 'b302277c50e6db000a9d9a8292b22fe9f54eb0c2 127.0.0.1:7000@17000 master - 0 0 1'],
    [
      'a bad slot field',
      'b302277c50e6db000a9d9a8292b22fe9f54eb0c2 127.0.0.1:7000@17000 master - 0 0 1 connected 0-abc',
    ],
    ['an address without a port', 'b302277c50e6db000a9d9a8292b22fe9f54eb0c2 localhost master - 0 0 1 connected'],
  ])('throws ClusterNodesParseError for %s', (_what, line) => {
    expect(() => parseClusterNodesLine(line)).toThrow(ClusterNodesParseError);
  });
});

describe('parseNodeAddress', () => {
  it.each([
    ['127.0.0.1:7000@17000', { host: '127.0.0.1', port: 7000, busPort: 17000, hostname: null }],
    ['127.0.0.1:7000@17000,host-a', { host: '127.0.0.1', port: 7000, busPort: 17000, hostname: 'host-a' }],
    ['127.0.0.1:7000@17000,', { host: '127.0.0.1', port: 7000, busPort: 17000, hostname: null }],
    [':7000@17000', { host: '', port: 7000, busPort: 17000, hostname: null }],
    ['::1:7000@17000', { host: '::1', port: 7000, busPort: 17000, hostname: null }],
    // Redis < 4 printed no bus port: it is port + 10000.
    ['10.0.0.5:6379', { host: '10.0.0.5', port: 6379, busPort: 16379, hostname: null }],
  ])('parses %s', (field, expected) => {
    expect(parseNodeAddress(field)).toEqual(expected);
  });

  it.each(['nocolon', '127.0.0.1:abc@17000', '127.0.0.1:7000@bus'])('rejects %s', (field) => {
    expect(() => parseNodeAddress(field)).toThrow(ClusterNodesParseError);
  });
});

describe('parseInfo', () => {
  it('reads CRLF INFO text with # Section headers', () => {
    const text =
      '# Replication\r\nrole:master\r\nconnected_slaves:1\r\n' +
      'slave0:ip=127.0.0.1,port=7003,state=online,offset=1234,lag=0\r\n\r\n' +
      '# Cluster\r\ncluster_enabled:1\r\n';
    const info = parseInfo(text);
    expect(info.get('role')).toBe('master');
    expect(info.get('connected_slaves')).toBe('1');
    // Only the first colon separates key and value.
    expect(info.get('slave0')).toBe('ip=127.0.0.1,port=7003,state=online,offset=1234,lag=0');
    expect(info.get('cluster_enabled')).toBe('1');
    expect([...info.keys()]).toEqual(['role', 'connected_slaves', 'slave0', 'cluster_enabled']);
  });

  it('reads CLUSTER INFO with LF endings', () => {
    const info = parseInfo('cluster_state:fail\ncluster_slots_assigned:16384\ncluster_known_nodes:6\n');
    expect(info.get('cluster_state')).toBe('fail');
    expect(info.get('cluster_known_nodes')).toBe('6');
    expect(info.size).toBe(3);
  });

  it('keeps empty values and ignores lines without a key', () => {
    const info = parseInfo('master_host:\r\n:novalue\r\njunk\r\n');
    expect(info.get('master_host')).toBe('');
    expect(info.size).toBe(1);
  });
});
