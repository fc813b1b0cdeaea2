import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { FORMAT_HELP } from '../../src/cli/scenario.js';
import { parseScenario, parseSetOption } from '../../src/scenario/load.js';
import { ScenarioFileError } from '../../src/scenario/problems.js';

const problemsOf = (text: string, overrides = [] as ReturnType<typeof parseSetOption>[]): string[] => {
  try {
    parseScenario(text, 'drill.yaml', overrides);
  } catch (e) {
    if (!(e instanceof ScenarioFileError)) throw e;
    expect(e.exitCode).toBe(2);
    return [e.message, ...e.details.slice(1)];
  }
  throw new Error('no problem found');
};

const OK = `
name: demo
cluster:
  create: { masters: 3, node-timeout: 1000 }
steps:
  - populate: 100
  - kill-master: { master: 0 }
  - wait-for: promotion
  - restart-node: victim
  - wait-for: rejoin
  - assert:
      roles: { victim: replica, promoted: master }
      cluster-ok: true
`;

describe('parseScenario', () => {
  test('a good file: short forms expanded, defaults filled, lines kept', () => {
    const s = parseScenario(OK, 'drill.yaml');
    expect(s.name).toBe('demo');
    expect(s.cluster.create).toEqual({ masters: 3, 'node-timeout': 1000 });
    expect(s.load).toMatchObject({ clients: 20, warmupMs: 1000 });
    expect(s.steps.map((x) => x.step)).toEqual([
      'populate',
      'kill-master',
      'wait-for',
      'restart-node',
      'wait-for',
      'assert',
    ]);
    expect(s.steps[0]).toMatchObject({ index: 0, line: 6, options: { keys: 100 } });
    expect(s.steps[1]!.options).toEqual({ master: '0' });
    expect(s.steps[2]!.options).toEqual({ promotion: null });
    expect(s.steps[3]!.options).toEqual({ node: 'victim' });
    expect(s.steps[4]!.options).toEqual({ rejoin: null });
  });

  test('the name defaults to the file name; a bare step name takes every default', () => {
    const s = parseScenario('steps:\n  - kill-master\n  - wait-for: 2s\n', 'dir/my-drill.yaml');
    expect(s.name).toBe('my-drill');
    expect(s.steps[0]!.options).toEqual({});
    expect(s.steps[1]!.options).toEqual({ duration: 2000 });
  });

  test('YAML syntax error: file, line and column', () => {
    const [first] = problemsOf('steps:\n  - kill-master: { master: 0\n  - wait-for: promotion\n');
    expect(first).toMatch(/^drill\.yaml:3:\d+: YAML syntax error: /);
  });

  test('unknown step: lists the known ones, with a guess', () => {
    const [first] = problemsOf('steps:\n  - populate: 10\n  - kil-master: { master: 0 }\n');
    expect(first).toBe(
      'drill.yaml:3:5: steps[1].kil-master: unknown step "kil-master" (did you mean kill-master?); the steps are: kill, term, freeze, failover, partition, flaky, blackhole, reshard-kill-source, reshard-kill-target, quick-restart, power-loss, rolling-restart, kill-during-sync, kill-master, term-master, freeze-master, kill-node, term-node, freeze-node, heal, restart-node, resume-node, reshard, rebalance, add-node, remove-node, fix, wait-for, populate, assert',
    );
  });

  test('older spellings still load: stop-master is term-master (SIGTERM)', () => {
    const s = parseScenario('steps:\n  - stop-master: 1\n  - term-master: { master: 2, as: other }\n', 'drill.yaml');
    expect(s.steps.map((x) => [x.step, x.options])).toEqual([
      ['term-master', { master: '1' }],
      ['term-master', { master: '2', as: 'other' }],
    ]);
  });

  test("wrong type: expected and found, at the value's line", () => {
    expect(problemsOf('steps:\n  - populate: 10\n  - kill-master:\n      slot: lots\n')).toEqual([
      'drill.yaml:4:7: steps[1].kill-master.slot: expected a whole number from 0 to 16383, found "lots"',
    ]);
    expect(problemsOf('cluster:\n  create:\n    node-timeout: 1s\nsteps: [populate]\n')[0]).toBe(
      'drill.yaml:3:5: cluster.create.node-timeout: expected a whole number of at least 100, found "1s"',
    );
    expect(problemsOf('workload: { warmup: 5 }\nsteps: [kill-master]\n')[0]).toBe(
      'drill.yaml:1:13: workload.warmup: expected a duration such as 500ms, 2s or 1m, found 5',
    );
  });

  test('unknown option: names the known ones', () => {
    expect(problemsOf('steps:\n  - kill-master: { master: 0, signal: hup }\n')[0]).toBe(
      'drill.yaml:2:31: steps[0].kill-master.signal: unknown option "signal"; expected one of: master, slot, key, as, force',
    );
    expect(problemsOf('stepz: []\nsteps: [kill-master]\n')[0]).toMatch(
      /^drill\.yaml:1:1: stepz: unknown option "stepz" \(did you mean steps\?\); expected one of: name, description, cluster, workload, clients, steps$/,
    );
  });

  test('unknown node name: names the ones defined so far', () => {
    expect(problemsOf('steps:\n  - kill-master\n  - restart-node: victm\n')[0]).toBe(
      'drill.yaml:3:5: steps[1].restart-node.node: unknown node name "victm"; expected one of the names earlier steps gave (victim), Master[N], Node[N], a node-id prefix or HOST:PORT',
    );
    // A name used before the step that gives it.
    expect(problemsOf('steps:\n  - restart-node: promoted\n  - kill-master\n  - wait-for: promotion\n')[0]).toMatch(
      /steps\[0\]\.restart-node\.node: unknown node name "promoted"; expected a name an earlier step gave \(none is given before this step\)/,
    );
    expect(problemsOf('steps:\n  - kill-master\n  - assert: { roles: { winner: master } }\n')[0]).toMatch(
      /^drill\.yaml:3:\d+: steps\[1\]\.assert\.roles\.winner: unknown node name "winner"/,
    );
    // Selectors need no name.
    expect(() =>
      parseScenario(
        'steps:\n  - kill-master: { master: "Master[1]" }\n  - restart-node: 127.0.0.1:7001\n  - failover: { replica: a1b2c3d4 }\n',
        'x.yaml',
      ),
    ).not.toThrow();
  });

  test('wait-for promotion / rejoin need something to wait for', () => {
    expect(problemsOf('steps:\n  - wait-for: promotion\n')[0]).toMatch(
      /steps\[0\]\.wait-for\.promotion: wait-for promotion needs an earlier kill-master, term-master, freeze-master or failover step/,
    );
    expect(problemsOf('steps:\n  - kill-master\n  - wait-for: rejoin\n')[0]).toMatch(
      /wait-for rejoin needs an earlier restart-node, resume-node or heal step/,
    );
    expect(problemsOf('steps:\n  - wait-for: promtion\n')[0]).toMatch(
      /steps\[0\]\.wait-for: expected promotion, rejoin, cluster-ok, settled, a duration such as 2s, or a mapping .*, found "promtion"/,
    );
  });

  test('exclusive options and seed clusters', () => {
    expect(problemsOf('steps:\n  - kill-master: { master: 0, slot: 5 }\n')[0]).toBe(
      'drill.yaml:2:5: steps[0].kill-master: expected at most one of master, slot and key',
    );
    expect(problemsOf('steps:\n  - failover: { force: true, takeover: true }\n')[0]).toMatch(
      /expected at most one of force and takeover/,
    );
    expect(problemsOf('cluster: { seed: 127.0.0.1:7000 }\nsteps:\n  - kill-master\n')[0]).toMatch(
      /steps\[0\]\.kill-master: kill-master needs processes redis-drill started/,
    );
    expect(problemsOf('cluster: { seed: nowhere }\nsteps: [populate: 5]\n')[0]).toMatch(
      /cluster\.seed: expected HOST:PORT, e\.g\. 127\.0\.0\.1:7000, found "nowhere"/,
    );
  });

  test('several problems are all listed', () => {
    const all = problemsOf('steps:\n  - kill-master: { slot: x }\n  - bogus\n  - populate: 0\n');
    expect(all).toHaveLength(3);
    expect(all[2]).toMatch(/steps\[2\]\.populate\.keys: expected a whole number from 1 to 100000000, found 0/);
  });

  test('--set and --port: applied before checking; a bad value names the option', () => {
    const s = parseScenario(OK, 'drill.yaml', [
      parseSetOption('cluster.create.port=7100'),
      parseSetOption('workload.clients=5'),
      parseSetOption('steps[1].kill-master.master=2'),
    ]);
    expect(s.cluster.create!.port).toBe(7100);
    expect(s.load.clients).toBe(5);
    expect(s.steps[1]!.options).toEqual({ master: '2' });
    expect(problemsOf(OK, [parseSetOption('cluster.create.port=high')])[0]).toBe(
      '--set cluster.create.port=high: cluster.create.port: expected a whole number from 1 to 65535, found "high"',
    );
    const port = {
      path: ['cluster', 'create', 'port'],
      value: 7100,
      option: '--port',
      requireParent: '--port applies only to a scenario that creates its cluster (cluster: create:)',
    };
    expect(problemsOf('steps: [populate: 1]\n', [port])[0]).toBe(
      '--port: --port applies only to a scenario that creates its cluster (cluster: create:)',
    );
    expect(parseScenario('cluster: { create: }\nsteps: [populate: 1]\n', 'x.yaml', [port]).cluster.create).toEqual({
      port: 7100,
    });
    expect(() => parseSetOption('nothing')).toThrow(/expected PATH=VALUE/);
  });

  test('the examples in scenario --help and in docs/scenarios.md are valid files', () => {
    const help = FORMAT_HELP.split('\n');
    const yaml = help
      .slice(
        help.indexOf('Scenario file (YAML):') + 1,
        help.findIndex((l) => l.startsWith('Every step')),
      )
      .map((l) => l.slice(2))
      .join('\n');
    expect(parseScenario(yaml, 'help.yaml').steps).toHaveLength(7);
    const doc = readFileSync(new URL('../../docs/scenarios.md', import.meta.url), 'utf8');
    const block = /^#+ Scenario files\n\n```yaml\n([\s\S]*?)```/m.exec(doc)![1]!;
    expect(parseScenario(block, 'docs.yaml').steps).toHaveLength(6);
  });
});

describe('textOf', () => {
  test('UTF-8 text is text; a NUL byte or invalid UTF-8 is not', async () => {
    const { textOf } = await import('../../src/util/text-file.js');
    expect(textOf(Buffer.from('steps:\n  - kill: 0\n'))).toBe('steps:\n  - kill: 0\n');
    expect(textOf(Buffer.from('naïve: ✓\n'))).toBe('naïve: ✓\n');
    expect(textOf(Buffer.from([0x73, 0x00, 0x74]))).toBeNull();
    expect(textOf(Buffer.from([0x73, 0xc3, 0x28]))).toBeNull();
  });
});

describe('older spellings of options, and steps a Sentinel deployment cannot take', () => {
  test('partition with mode flaky loads, with a notice that names the flaky step', () => {
    const s = parseScenario('steps:\n  - partition: { master: 1, mode: flaky }\n', 'drill.yaml');
    expect(s.steps[0]!.step).toBe('partition');
    expect(s.notices).toEqual([
      'drill.yaml:2: steps[0] partition with mode flaky is an older spelling of the flaky step: it still works, but write flaky: { ... }',
    ]);
  });

  test('a Sentinel file with a step that moves slots is refused before anything runs', () => {
    const text = 'cluster:\n  sentinel: {}\nsteps:\n  - reshard-kill-source: 0\n  - rebalance\n';
    expect(() => parseScenario(text, 'drill.yaml')).toThrow(ScenarioFileError);
    try {
      parseScenario(text, 'drill.yaml');
    } catch (e) {
      const messages = (e as ScenarioFileError).problems.map((p) => p.message);
      expect(messages).toEqual([
        'reshard-kill-source needs Redis Cluster: a Sentinel deployment (cluster: sentinel:) has one master and no slots to move',
        'rebalance needs Redis Cluster: a Sentinel deployment (cluster: sentinel:) has one master and no slots to move',
      ]);
    }
  });
});
