#!/usr/bin/env node
// ioredis-client.mjs: an application's own client, run through a drill.
//
// redis-drill starts it beside its load (--client-cmd, or a scenario's
// clients:) and tells it where the deployment is in its environment:
// REDIS_DRILL_NODES (host:port,...), REDIS_DRILL_KIND (cluster|sentinel),
// REDIS_DRILL_PASSWORD when there is one, and for Sentinel
// REDIS_DRILL_SENTINELS and REDIS_DRILL_MASTER_NAME. It writes a key every
// 10 ms and prints one JSON line per operation ({"op":"set","ok":...}), which
// the report turns into this client's own series. SIGTERM ends it (exit 0).
//
// --exit-on-error: give up (exit 1) on the first failed operation, like a
// home-made load script that crashes on the first failover.
//
//   redis-drill failover-report --create --node-timeout 1000 --client-cmd "node scenarios/clients/ioredis-client.mjs"
import { Cluster, Redis } from 'ioredis';

const addresses = (text) =>
  (text ?? '')
    .split(',')
    .filter(Boolean)
    .map((a) => ({ host: a.slice(0, a.lastIndexOf(':')), port: Number(a.slice(a.lastIndexOf(':') + 1)) }));

const nodes = addresses(process.env.REDIS_DRILL_NODES);
if (nodes.length === 0) {
  console.error('REDIS_DRILL_NODES is not set: run me through redis-drill (--client-cmd, or clients: in a scenario)');
  process.exit(2);
}
const password = process.env.REDIS_DRILL_PASSWORD || undefined;
const exitOnError = process.argv.includes('--exit-on-error');

// Options that ride out a failover: retry instead of failing at once.
const client =
  process.env.REDIS_DRILL_KIND === 'sentinel'
    ? new Redis({
        sentinels: addresses(process.env.REDIS_DRILL_SENTINELS),
        name: process.env.REDIS_DRILL_MASTER_NAME,
        password,
        sentinelPassword: password,
        failoverDetector: true,
        retryStrategy: () => 100,
        commandTimeout: 1000,
      })
    : new Cluster(nodes, {
        redisOptions: { password, commandTimeout: 1000 },
        retryDelayOnFailover: 100,
        retryDelayOnClusterDown: 100,
        slotsRefreshInterval: 1000,
      });
client.on('error', () => {});

let running = true;
process.on('SIGTERM', () => {
  running = false;
});

let i = 0;
for (; running; i++) {
  try {
    await client.set(`app:${i % 1000}`, String(i));
    console.log(JSON.stringify({ op: 'set', ok: true }));
  } catch (e) {
    console.log(JSON.stringify({ op: 'set', ok: false, error: e.message }));
    if (exitOnError) {
      console.error(`giving up after ${i} operations: ${e.message}`);
      process.exit(1);
    }
  }
  await new Promise((r) => setTimeout(r, 10));
}
client.disconnect();
console.error(`stopped after ${i} operations`);
