import { describe, expect, it } from 'vitest';
import { parseClusterNodes } from '../../src/cluster/nodes-parser.js';
import type { NodeProbe } from '../../src/cluster/probe.js';
import { mergeStatus, overallState } from '../../src/cluster/status.js';
import type { StatusTarget } from '../../src/cluster/targets.js';

const A = 'aaaaaaaa00000000000000000000000000000001';
const B = 'bbbbbbbb00000000000000000000000000000002';
const C = 'cccccccc00000000000000000000000000000003';
const D = 'dddddddd00000000000000000000000000000004';

const line = {
  a: (flags = 'master') => `${A} 127.0.0.1:7000@17000 ${flags} - 0 1700000000000 1 connected 0-5460`,
  b: (flags = 'master') => `${B} 127.0.0.1:7001@17001 ${flags} - 0 1700000000000 2 connected 5461-10922`,
  c: (flags = 'master', link = 'connected') =>
    `${C} 127.0.0.1:7002@17002 ${flags} - 0 1700000000000 3 ${link} 10923-16383`,
};

function up(port: number, lines: string[], dbsize: number, state = 'ok'): NodeProbe {
  return {
    address: { host: '127.0.0.1', port },
    up: true,
    error: null,
    view: parseClusterNodes(lines.join('\n')),
    clusterInfo: new Map([['cluster_state', state]]),
    replication: new Map([['role', 'master']]),
    dbsize,
  };
}

function down(port: number, error = 'connection refused'): NodeProbe {
  return {
    address: { host: '127.0.0.1', port },
    up: false,
    error,
    view: null,
    clusterInfo: null,
    replication: null,
    dbsize: null,
  };
}

const targets: StatusTarget[] = [
  { host: '127.0.0.1', port: 7000, pid: 101, process: 'running' },
  { host: '127.0.0.1', port: 7001, pid: 102, process: 'running' },
  { host: '127.0.0.1', port: 7002, pid: 103, process: 'gone' },
];

describe('mergeStatus with one of 3 masters down', () => {
  const probes = [
    up(7000, [line.a('myself,master'), line.b(), line.c('master,fail?', 'disconnected')], 10),
    up(7001, [line.a(), line.b('myself,master'), line.c('master,fail?', 'disconnected')], 20),
    down(7002),
  ];
  const rows = mergeStatus(targets, probes);

  it('fills the down master row from the others view', () => {
    expect(rows[2]).toEqual({
      id: C,
      host: '127.0.0.1',
      port: 7002,
      machine: null,
      up: false,
      error: 'connection refused',
      role: 'master',
      masterId: null,
      master: null,
      slots: [[10923, 16383]],
      linkState: 'disconnected',
      flags: ['fail?'],
      configEpoch: 3,
      dbsize: null,
      pid: 103,
      process: 'gone',
    });
  });

  it('shows the live masters as connected and not failing, with their own data', () => {
    expect(rows[0]).toMatchObject({
      id: A,
      up: true,
      error: null,
      role: 'master',
      slots: [[0, 5460]],
      linkState: 'connected',
      flags: [],
      dbsize: 10,
      pid: 101,
    });
    expect(rows[1]).toMatchObject({
      id: B,
      up: true,
      slots: [[5461, 10922]],
      linkState: 'connected',
      flags: [],
      dbsize: 20,
      configEpoch: 2,
    });
  });

  it('keeps one row per target, in target order', () => {
    expect(rows.map((r) => r.port)).toEqual([7000, 7001, 7002]);
  });
});

describe('mergeStatus flags and link state', () => {
  it('collects fail? and fail from different observers', () => {
    const rows = mergeStatus(targets, [
      up(7000, [line.a('myself,master'), line.b(), line.c('master,fail', 'disconnected')], 0, 'fail'),
      up(7001, [line.a(), line.b('myself,master'), line.c('master,fail?', 'disconnected')], 0, 'fail'),
      down(7002),
    ]);
    expect(rows[2]!.flags).toEqual(['fail?', 'fail']);
  });

  it('uses the majority of observers for the link state', () => {
    const rows = mergeStatus(targets, [
      up(7000, [line.a('myself,master'), line.b(), line.c('master', 'connected')], 0),
      up(7001, [line.a(), line.b('myself,master'), line.c('master', 'disconnected')], 0),
      up(7002, [line.a(), line.b(), line.c('myself,master')], 0),
    ]);
    expect(rows[2]!.linkState).toBe('connected');
    expect(rows[2]!.up).toBe(true);
  });

  it('has no link state when no other node knows the node', () => {
    const rows = mergeStatus([targets[0]!], [up(7000, [line.a('myself,master')], 0)]);
    expect(rows[0]).toMatchObject({ id: A, linkState: null, flags: [] });
  });

  it('knows nothing about a down node no one else reports', () => {
    const rows = mergeStatus([targets[2]!], [down(7002, 'no answer within 500 ms')]);
    expect(rows[0]).toMatchObject({
      id: null,
      role: null,
      slots: [],
      linkState: null,
      configEpoch: null,
      error: 'no answer within 500 ms',
    });
  });
});

describe('mergeStatus for a replica', () => {
  it('names its master by address, falling back to the target host when the master line has none', () => {
    const replicaOfA = (flags: string) => `${D} 127.0.0.1:7003@17003 ${flags} ${A} 0 1700000000000 1 connected`;
    const aSelf = `${A} :7000@17000 myself,master - 0 0 1 connected 0-5460`;
    const rows = mergeStatus(
      [...targets, { host: '127.0.0.1', port: 7003 }],
      [
        up(7000, [aSelf, line.b(), line.c(), replicaOfA('slave')], 1),
        up(7001, [line.a(), line.b('myself,master'), line.c(), replicaOfA('slave')], 1),
        up(7002, [line.a(), line.b(), line.c('myself,master'), replicaOfA('slave')], 1),
        up(7003, [line.a(), line.b(), line.c(), replicaOfA('myself,slave')], 1),
      ],
    );
    expect(rows[3]).toMatchObject({
      id: D,
      role: 'replica',
      masterId: A,
      master: '127.0.0.1:7000',
      slots: [],
      pid: null,
      process: null,
    });
  });
});

describe('overallState', () => {
  it('is ok when every node that answered says ok, ignoring down nodes', () => {
    expect(overallState([up(7000, [], 0), up(7001, [], 0), down(7002)])).toBe('ok');
  });

  it('is fail when any node says fail', () => {
    expect(overallState([up(7000, [], 0), up(7001, [], 0, 'fail'), down(7002)])).toBe('fail');
  });

  it('is unknown when no node answered', () => {
    expect(overallState([down(7000), down(7001)])).toBe('unknown');
    expect(overallState([])).toBe('unknown');
  });

  it('is unknown for a node that answered without a cluster_state', () => {
    const noInfo: NodeProbe = { ...up(7001, [], 0), clusterInfo: null };
    expect(overallState([noInfo, up(7000, [], 0)])).toBe('unknown');
  });
});
