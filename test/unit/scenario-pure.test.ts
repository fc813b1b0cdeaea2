import { describe, expect, test } from 'vitest';
import type { NodeProbe } from '../../src/cluster/probe.js';
import { parseInfo } from '../../src/cluster/nodes-parser.js';
import { describeStep, roleCheck, workloadChecks } from '../../src/drill/assertions.js';
import { clusterOk } from '../../src/cluster/conditions.js';
import { chooseCluster } from '../../src/scenario/cluster.js';
import { parseScenario } from '../../src/scenario/load.js';
import { isName, isSelector } from '../../src/drill/check-steps.js';
import { closest, describeFound, formatPath } from '../../src/scenario/problems.js';
import type { WorkloadResult } from '../../src/workload/runner.js';

const probe = (port: number, state: string | null): NodeProbe => ({
  address: { host: '127.0.0.1', port },
  up: state !== null,
  error: state === null ? 'connection refused' : null,
  view: null,
  clusterInfo: state === null ? null : parseInfo(`cluster_state:${state}\r\n`),
  replication: null,
  dbsize: null,
});

describe('assertions', () => {
  test('cluster-ok: every answering node says ok; the silent ones are named', () => {
    expect(clusterOk([probe(7000, 'ok'), probe(7001, 'ok')])).toEqual({
      done: true,
      value: 'cluster_state:ok on all 2 answering nodes',
    });
    expect(clusterOk([probe(7000, 'ok'), probe(7001, null)])).toEqual({
      done: true,
      value: 'cluster_state:ok on all 1 answering nodes; not answering: 127.0.0.1:7001',
    });
    expect(clusterOk([probe(7000, 'fail'), probe(7001, 'ok')])).toEqual({
      done: false,
      seen: 'cluster_state not ok on 127.0.0.1:7000 (fail)',
    });
    expect(clusterOk([probe(7000, null)])).toEqual({ done: false, seen: 'no node answering' });
  });

  test('workload assertions judge the whole run', () => {
    const w = {
      errors: 12,
      longestGap: { ms: 900, fromMs: 1, toMs: 901 },
      longestGapWatched: { ms: 2100, fromMs: 1000, toMs: 3100 },
      consistency: { lost: 0, acknowledged: 500 },
    } as unknown as WorkloadResult;
    const checks = workloadChecks(
      [
        { index: 4, kind: 'max-unavailable-ms', limit: 2000 },
        { index: 4, kind: 'max-lost-writes', limit: 0 },
        { index: 5, kind: 'max-errors', limit: 20 },
      ],
      w,
    );
    expect(checks).toEqual([
      {
        name: 'steps[4] assert max-unavailable-ms',
        passed: false,
        detail:
          "longest span with no successful operation on one master's slots: 2100 ms (from +1000 to +3100 ms); limit 2000 ms",
      },
      {
        name: 'steps[4] assert max-lost-writes',
        passed: true,
        detail: '0 acknowledged writes lost (of 500 acknowledged INCRs); limit 0',
      },
      { name: 'steps[5] assert max-errors', passed: true, detail: '12 failed operations; limit 20' },
    ]);
    // No counters read back: a lost-writes limit cannot pass.
    expect(
      workloadChecks([{ index: 0, kind: 'max-lost-writes', limit: 5 }], { ...w, consistency: null })[0]!.passed,
    ).toBe(false);
    // Counters that could not be read back might hide lost writes.
    const unread = workloadChecks([{ index: 0, kind: 'max-lost-writes', limit: 5 }], {
      ...w,
      consistency: { lost: 0, acknowledged: 9, unreadable: 3 },
    } as unknown as WorkloadResult)[0]!;
    expect(unread).toMatchObject({
      passed: false,
      detail: '0 acknowledged writes lost (of 9 acknowledged INCRs; 3 counters could not be read back); limit 5',
    });
  });

  test('roles: what ROLE said, and what was expected where it differs', () => {
    const c = roleCheck(3, [
      { ref: 'victim', address: '127.0.0.1:7000', want: 'replica', got: { role: 'replica', master: '127.0.0.1:7003' } },
      { ref: 'promoted', address: '127.0.0.1:7003', want: 'replica', got: { role: 'master', master: null } },
      { ref: 'gone', address: '127.0.0.1:7005', want: 'master', got: null },
    ]);
    expect(c).toEqual({
      name: 'steps[3] assert roles',
      passed: false,
      detail:
        'victim (127.0.0.1:7000) is replica of 127.0.0.1:7003; promoted (127.0.0.1:7003) is master, expected replica; gone (127.0.0.1:7005) is not answering, expected master',
    });
  });

  test('a step in one line', () => {
    const s = parseScenario(
      'steps:\n  - kill-master: { master: 1, as: v }\n  - wait-for: { promotion: v, deadline: 20s }\n  - resume-node: v\n',
      'x.yaml',
    );
    expect(s.steps.map(describeStep)).toEqual([
      'steps[0] kill-master master=1 as=v',
      'steps[1] wait-for promotion=v deadline=20000',
      'steps[2] resume-node node=v',
    ]);
  });
});

describe('names and selectors', () => {
  test('a selector needs no name; a defined name shadows an id-like one', () => {
    for (const s of ['0', 'Master[2]', '127.0.0.1:7000', 'a1b2c3d4', '[::1]:7000']) expect(isSelector(s)).toBe(true);
    for (const s of ['victim', 'm0', 'old-master', 'promoted']) expect(isSelector(s)).toBe(false);
    expect(isName('beef', new Set(['beef']))).toBe(true);
    expect(isName('beef', new Set())).toBe(false);
  });
});

describe('which cluster a scenario runs on', () => {
  const s = (cluster: string) => parseScenario(`${cluster}\nsteps:\n  - failover\n`, 'drill.yaml');
  const flags = { cluster: 'default', clusterGiven: false };

  test('create: a throw-away cluster named after the scenario, or --cluster', () => {
    expect(chooseCluster(s('cluster: { create: { masters: 3 } }'), flags, 'drill.yaml')).toEqual({
      kind: 'create',
      name: 'scenario-drill',
      create: { masters: 3 },
    });
    expect(chooseCluster(s('cluster: { create: true, name: lab }'), flags, 'drill.yaml')).toMatchObject({
      kind: 'create',
      name: 'lab',
    });
    expect(
      chooseCluster(s('cluster: { create: true }'), { cluster: 'ci', clusterGiven: true }, 'drill.yaml'),
    ).toMatchObject({ kind: 'create', name: 'ci' });
  });

  test("managed: the file's name, or --cluster; attach: seed in the file or --seed", () => {
    expect(chooseCluster(s('cluster: { name: lab }'), flags, 'drill.yaml')).toEqual({ kind: 'managed', name: 'lab' });
    expect(chooseCluster(s('name: x'), { cluster: 'other', clusterGiven: true }, 'drill.yaml')).toEqual({
      kind: 'managed',
      name: 'other',
    });
    expect(chooseCluster(s('cluster: { seed: 127.0.0.1:7000 }'), flags, 'drill.yaml')).toEqual({
      kind: 'attach',
      seed: { host: '127.0.0.1', port: 7000 },
    });
    expect(
      chooseCluster(s('cluster: { create: true }'), { ...flags, seed: { host: '10.0.0.5', port: 6379 } }, 'drill.yaml'),
    ).toMatchObject({ kind: 'attach' });
  });

  test('--seed with process faults: exit 2 naming the step and its line', () => {
    const k = parseScenario('steps:\n  - populate: 5\n  - freeze-master\n', 'drill.yaml');
    expect(() => chooseCluster(k, { ...flags, seed: { host: '127.0.0.1', port: 7000 } }, 'drill.yaml')).toThrow(
      /^drill\.yaml:3:1: steps\[1\]\.freeze-master: freeze-master needs processes redis-drill started; .*\(the cluster is attached with --seed\)$/,
    );
  });
});

describe('problem text', () => {
  test('paths, found values, guesses', () => {
    expect(formatPath(['steps', 2, 'kill-master', 'signal'])).toBe('steps[2].kill-master.signal');
    expect(formatPath([])).toBe('');
    expect(describeFound(undefined)).toBe('nothing');
    expect(describeFound(null)).toBe('an empty value');
    expect(describeFound([1, 2])).toBe('a list of 2');
    expect(describeFound({ a: 1, b: 2 })).toBe('a mapping (a, b)');
    expect(closest('restart', ['restart-node', 'resume-node'])).toBe('restart-node');
    expect(closest('wiat-for', ['wait-for', 'populate'])).toBe('wait-for');
    expect(closest('zzz', ['wait-for'])).toBeNull();
  });
});
