import { Cluster } from 'ioredis';
import { describe, expect, test } from 'vitest';
import { runJson } from '../helpers/cli.js';
import { useTestCluster } from '../helpers/cluster.js';
import { raw, rawCall } from '../helpers/raw.js';

interface SlotMapJson {
  masters: {
    index: number;
    id: string;
    port: number;
    slots: [number, number][];
    slotCount: number;
    dbsize: number | null;
    state: string;
    replicas: { port: number; dbsize: number | null; linkUp: boolean; lagBytes: number | null }[];
  }[];
  uncovered: [number, number][];
  totalKeys: number;
  agreed: boolean;
  unreachable: string[];
}

/** Waits until every replica holds as many keys as its master (replication is asynchronous). */
async function replicasCaughtUp(map: SlotMapJson): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const counts = await Promise.all(
      map.masters.flatMap((m) => [m, ...m.replicas].map((n) => raw(n.port, (r) => r.dbsize()))),
    );
    let k = 0;
    if (map.masters.every((m) => [m, ...m.replicas].map(() => counts[k++]).every((c, _, all) => c === all[0]))) return;
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('slotmap and populate on a created cluster', () => {
  const c = useTestCluster();

  test('slotmap agrees with raw DBSIZE and CLUSTER SHARDS after 1000 raw writes', async () => {
    const client = new Cluster([{ host: '127.0.0.1', port: c.port }]);
    await Promise.all(Array.from({ length: 1000 }, (_, i) => client.set(`raw${i}`, 'v')));
    await client.quit();
    await replicasCaughtUp((await c.json<SlotMapJson>(['slotmap'])).json);

    const { result, json } = await c.json<SlotMapJson>(['slotmap']);
    expect(result.exitCode).toBe(0);
    expect(json.totalKeys).toBe(1000);
    expect(json.agreed).toBe(true);
    expect(json.uncovered).toEqual([]);
    for (const m of json.masters) {
      expect(m.dbsize).toBe(await raw(m.port, (r) => r.dbsize()));
      for (const r of m.replicas) {
        expect(r.dbsize).toBe(await raw(r.port, (x) => x.dbsize()));
        expect(r.linkUp).toBe(true);
        expect(r.lagBytes).toBeGreaterThanOrEqual(0);
      }
    }
    // CLUSTER SHARDS: [ "slots", [start, end, ...], "nodes", [ {id, port, role, ...}, ... ] ] per shard.
    const shards = (await rawCall(c.port, 'CLUSTER', 'SHARDS')) as unknown[][];
    const fromShards = shards
      .map((s) => {
        const slots = s[1] as number[];
        const nodes = s[3] as unknown[][];
        const master = nodes
          .map((n) => Object.fromEntries(Array.from({ length: n.length / 2 }, (_, i) => [n[2 * i], n[2 * i + 1]])))
          .find((n) => n.role === 'master')!;
        return {
          port: Number(master.port),
          slots: Array.from({ length: slots.length / 2 }, (_, i) => [Number(slots[2 * i]), Number(slots[2 * i + 1])]),
        };
      })
      .filter((s) => s.slots.length > 0)
      .sort((a, b) => a.slots[0]![0]! - b.slots[0]![0]!);
    expect(json.masters.map((m) => ({ port: m.port, slots: m.slots }))).toEqual(fromShards);

    const text = await c.run(['slotmap']);
    expect(text.stdout).toContain(`Master[0] -> Slots 0-5460 -> 127.0.0.1:${json.masters[0]!.port}`);
    expect(text.stdout).toMatch(/Total: 1000 keys; 16384 of 16384 slots covered; all 6 reachable nodes agree/);
  });

  test('populate writes key1..keyN and reports per-master counts from DBSIZE', async () => {
    const before = (await c.json<SlotMapJson>(['slotmap'])).json.totalKeys;
    const { result, json } = await c.json<{
      written: number;
      errors: number;
      masters: { port: number; dbsize: number }[];
      totalKeys: number;
    }>(['populate', '--keys', '3000', '--prefix', 'lab:']);
    expect(result.exitCode, result.stderr).toBe(0);
    expect(json.written).toBe(3000);
    expect(json.errors).toBe(0);
    expect(json.totalKeys).toBe(before + 3000);
    for (const m of json.masters) expect(m.dbsize).toBe(await raw(m.port, (r) => r.dbsize()));
    // Near-equal, not equal: every master got a real share.
    for (const m of json.masters) expect(m.dbsize).toBeGreaterThan(before / 3 + 800);
    expect(await raw(c.port, (r) => r.exists('lab:1'))).toBeGreaterThanOrEqual(0);
    const client = new Cluster([{ host: '127.0.0.1', port: c.port }]);
    expect(await client.get('lab:2999')).toBe('x'.repeat(16));
    await client.quit();
  });

  test.each([['0'], ['-5'], ['abc'], ['1.5']])('populate --keys %s -> exit 2', async (n) => {
    const r = await c.run(['populate', '--keys', n!]);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/--keys/);
  });

  test('keyslot and slotmap --key agree with CLUSTER KEYSLOT for hundreds of keys', async () => {
    const keys = [
      ...Array.from({ length: 200 }, (_, i) => `key${i}`),
      ...Array.from({ length: 50 }, (_, i) => `{user:${i}}:cart`),
      '{}',
      '{}x',
      'a{}b',
      '{',
      'a{b',
      '}a{',
      'a}b{c}',
      '{a}{b}',
      '{{a}}',
      'foo{bar}{zap}',
      '{bar',
      'x{y}',
      'héllo',
      'ключ',
      '键',
      '🔑',
      'emoji{🔑}',
      '\\x00\\xff',
      '\t tab',
      ' ',
      '-dash',
      '--double',
      '$dollar',
      '*star',
      ...Array.from({ length: 40 }, (_, i) => String.fromCharCode(0xa0 + i * 7) + i),
    ];
    const { result, json } = await runJson<{ keys: { key: string; slot: number; master: { port: number } | null }[] }>(
      ['keyslot', '--', ...keys],
      { stateDir: c.stateDir },
    );
    expect(result.exitCode, result.stderr).toBe(0);
    expect(json.keys.map((k) => k.key)).toEqual(keys);
    const expected = await raw(c.port, (r) => Promise.all(keys.map((k) => r.call('CLUSTER', 'KEYSLOT', k))));
    expect(json.keys.map((k) => k.slot)).toEqual(expected);
    // The owner is the master whose range holds the slot.
    const map = (await c.json<SlotMapJson>(['slotmap'])).json;
    for (const k of json.keys) {
      const owner = map.masters.find((m) => m.slots.some(([s, e]) => k.slot >= s && k.slot <= e))!;
      expect(k.master?.port).toBe(owner.port);
    }
    const withKey = await c.json<{ keys: { slot: number }[] }>(['slotmap', '--key', '{user:1}:cart', '--key', 'foo']);
    expect(withKey.json.keys.map((k) => k.slot)).toEqual(
      await raw(c.port, (r) =>
        Promise.all([r.call('CLUSTER', 'KEYSLOT', '{user:1}:cart'), r.call('CLUSTER', 'KEYSLOT', 'foo')]),
      ),
    );
  });

  test('keyslot works without any cluster', async () => {
    const r = await runJson<{ keys: { slot: number; master: null }[] }>(['keyslot', 'foo', '--cluster', 'none'], {
      stateDir: c.stateDir,
    });
    expect(r.result.exitCode).toBe(0);
    expect(r.json.keys).toEqual([{ key: 'foo', slot: 12182, master: null, replicas: [] }]);
  });
});

describe('slotmap with a dead master', () => {
  // No automatic failover: the dead master's slots stay failing.
  const c = useTestCluster({ extra: ['--config', 'cluster-replica-no-failover=yes'] });

  test('returns within the deadline, marks it unreachable, then its slots as failing', async () => {
    const victim = c.masters[1]!;
    // What the same command takes on this machine now, with every node up: the CLI's start and the answers.
    const healthy = await c.run(['slotmap', '--timeout', '1000']);
    process.kill(victim.pid, 'SIGKILL');
    const { result, json } = await c.json<SlotMapJson>(['slotmap', '--timeout', '1000']);
    expect(result.exitCode).toBe(0);
    // The deadline on top of that (and 1 s for a busy machine), not a wait on the dead master.
    expect(result.durationMs).toBeLessThan(healthy.durationMs + 1000 + 1000);
    const m = json.masters.find((x) => x.port === victim.port)!;
    expect(m.dbsize).toBeNull();
    expect(m.slots).toEqual(victim.slots);
    expect(['unreachable', 'failing']).toContain(m.state);
    expect(json.unreachable).toContain(`127.0.0.1:${victim.port}`);

    let state = m.state;
    for (let i = 0; i < 100 && state !== 'failing'; i++) {
      await new Promise((r) => setTimeout(r, 100));
      state = (await c.json<SlotMapJson>(['slotmap', '--timeout', '1000'])).json.masters.find(
        (x) => x.port === victim.port,
      )!.state;
    }
    expect(state).toBe('failing');
    const text = await c.run(['slotmap', '--timeout', '1000']);
    expect(text.stdout).toMatch(/failing/);
    expect(text.stdout).toMatch(/their keys are unknown, not 0/);
  });
});
