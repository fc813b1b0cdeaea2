import calculateSlot from 'cluster-key-slot';
import { execa } from 'execa';
import { describe, expect, test } from 'vitest';
import { useTestCluster } from '../helpers/cluster.js';
import { raw, rawCall } from '../helpers/raw.js';

/** One key name per slot of a range, found by trying names in order. */
function keysFor(from: number, to: number): Map<number, string> {
  const keys = new Map<number, string>();
  for (let i = 0; keys.size < to - from + 1; i++) {
    const slot = calculateSlot(`fix:${i}`);
    if (slot >= from && slot <= to && !keys.has(slot)) keys.set(slot, `fix:${i}`);
  }
  return keys;
}

const range = (a: number, b: number): number[] => Array.from({ length: b - a + 1 }, (_, i) => a + i);

describe('cluster fix on many open and unserved slots at once (real servers)', () => {
  const c = useTestCluster({ replicas: 0 });

  test(
    'finished, rolled back and assigned in one fix: every key where its slot ends, every node agrees, redis-cli --cluster check is clean',
    { timeout: 60_000 },
    async () => {
      const [m0, m1, m2] = c.masters;
      // Finished: slots 0-99 half-migrated from Master[0] to Master[1], one key each still on Master[0].
      const moving = keysFor(0, 99);
      await raw(m0!.port, async (r) => {
        for (const key of moving.values()) await r.set(key, 'moving');
      });
      await raw(m1!.port, async (r) => {
        for (const s of moving.keys()) await r.call('CLUSTER', 'SETSLOT', s, 'IMPORTING', m0!.id);
      });
      await raw(m0!.port, async (r) => {
        for (const s of moving.keys()) await r.call('CLUSTER', 'SETSLOT', s, 'MIGRATING', m1!.id);
      });
      // Rolled back: slots 200-299 importing on Master[1] only, one with a copy of its key there (newer than Master[0]'s);
      // slots 300-399 migrating on Master[0] to a node that does not import them.
      const stray = keysFor(200, 200).get(200)!;
      await rawCall(m0!.port, 'SET', stray, 'old');
      await raw(m1!.port, async (r) => {
        for (const s of range(200, 299)) await r.call('CLUSTER', 'SETSLOT', s, 'IMPORTING', m0!.id);
        await r.call('ASKING');
        await r.set(stray, 'new');
      });
      await raw(m0!.port, async (r) => {
        for (const s of range(300, 399)) await r.call('CLUSTER', 'SETSLOT', s, 'MIGRATING', m1!.id);
      });
      // Assigned: slots 16000-16099 served by nobody (deleted on every node), one key left in 16000 on Master[1].
      const orphan = keysFor(16000, 16000).get(16000)!;
      await raw(m2!.port, async (r) => {
        await r.call('CLUSTER', 'SETSLOT', 16000, 'MIGRATING', m1!.id);
      });
      await raw(m1!.port, async (r) => {
        await r.call('CLUSTER', 'SETSLOT', 16000, 'IMPORTING', m2!.id);
        await r.call('ASKING');
        await r.set(orphan, 'orphan');
      });
      for (const m of c.masters) await rawCall(m.port, 'CLUSTER', 'SETSLOT', 16000, 'STABLE');
      // The owner first: a node that sees a slot unbound binds it to any node whose ping still claims it
      // (1 run in ~20 had Master[2]'s ping reach the others between their DELSLOTS and its own).
      for (const m of [m2!, m0!, m1!]) await rawCall(m.port, 'CLUSTER', 'DELSLOTSRANGE', 16000, 16099);

      const { result, json } = await c.json<any>(['cluster', 'fix']);
      expect(result.exitCode, result.stderr).toBe(0);
      const by = (action: string, owner: number): number[] =>
        json.actions
          .filter((a: any) => a.action === action && a.owner === `127.0.0.1:${owner}`)
          .map((a: any) => a.slot)
          .sort((a: number, b: number) => a - b);
      expect(by('finished', m1!.port)).toEqual(range(0, 99));
      expect(by('rolled back', m0!.port)).toEqual([...range(200, 299), ...range(300, 399)]);
      // The slot holding a key goes to the master that holds it; the empty ones to the master with the fewest slots.
      expect(by('assigned', m1!.port)).toEqual([16000]);
      expect(by('assigned', m2!.port)).toEqual(range(16001, 16099));
      expect(json.actions).toHaveLength(100 + 200 + 100);
      expect(json.actions.filter((a: any) => a.action === 'finished').every((a: any) => a.keysMoved === 1)).toBe(true);
      expect(json.actions.find((a: any) => a.slot === 200).keysMoved).toBe(1);

      // Every key where its slot ended, asked of each node directly.
      await raw(m1!.port, async (r) => {
        for (const key of moving.values()) expect(await r.get(key)).toBe('moving');
        expect(await r.get(orphan)).toBe('orphan');
      });
      await raw(m0!.port, async (r) => {
        for (const slot of moving.keys()) expect(await r.call('CLUSTER', 'COUNTKEYSINSLOT', slot)).toBe(0);
      });
      expect(await rawCall(m0!.port, 'GET', stray)).toBe('new');
      expect(await rawCall(m1!.port, 'DBSIZE')).toBe(101);
      // No slot open, every slot served, every node of one mind: redis-cli's own check.
      const check = await execa('redis-cli', ['--cluster', 'check', `127.0.0.1:${m0!.port}`], { reject: false });
      expect(check.exitCode, check.stdout).toBe(0);
      expect(check.stdout).toContain('[OK] All nodes agree about slots configuration.');
      expect(check.stdout).toContain('[OK] All 16384 slots covered.');
      expect(check.stdout).not.toMatch(/\[WARNING\]|\[ERR\]/);
      const again = await c.run(['cluster', 'fix']);
      expect(again.exitCode).toBe(0);
      expect(again.stdout).toMatch(/Nothing to fix/);
    },
  );
});
