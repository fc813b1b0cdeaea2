import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { systemClock } from '../../src/util/clock.js';
import { StaleMasterWriter } from '../../src/workload/stale-writes.js';
import { type RawCluster, startRawServers } from '../helpers/raw-cluster.js';

// Two standalone servers: one stands for the master the sentinels name, the other for an old master a
// client still writes to. Nothing replicates between them, so every write the stray acknowledged is lost.
describe('the stale-master writer (real servers)', () => {
  let servers: RawCluster;
  beforeAll(async () => {
    servers = await startRawServers({ count: 2, cluster: false });
  });
  afterAll(async () => servers?.stop());

  test('at the end it reads the master it never wrote to, on a connection of its own: the loss is counted, not unknown', async () => {
    const [master, stray] = servers.ports.map((port) => ({ host: '127.0.0.1', port }));
    const writer = new StaleMasterWriter({
      password: null,
      readBackMs: 2000,
      master: () => master!,
      strays: () => [stray!],
    });
    writer.start(systemClock.now());
    await new Promise((r) => setTimeout(r, 300));
    const [seen] = (await writer.stop()).nodes;
    expect(seen?.node).toBe(`127.0.0.1:${stray!.port}`);
    expect(seen?.acknowledged).toBeGreaterThan(0);
    expect(seen?.lost).toBe(seen?.acknowledged);
  });
});
