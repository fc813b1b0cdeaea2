import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { Redis } from 'ioredis';
import { stateDir } from './cli.js';
import { freePortRange } from './ports.js';

export interface RawCluster {
  ports: number[];
  password?: string;
  stop(): Promise<void>;
}

function client(port: number, password?: string): Redis {
  const r = new Redis({ port, password, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  r.on('error', () => {});
  return r;
}

/**
 * A cluster made without redis-drill: plain redis-server processes formed
 * with raw commands, for testing --seed. `cluster: false` gives a standalone server.
 */
export async function startRawServers(o: { count: number; password?: string; cluster?: boolean }): Promise<RawCluster> {
  const root = await stateDir();
  const base = await freePortRange(o.count);
  const ports = Array.from({ length: o.count }, (_, i) => base + i);
  for (const port of ports) {
    const dir = path.join(root, String(port));
    await mkdir(dir);
    const conf = [
      `port ${port}`,
      'bind 127.0.0.1',
      'daemonize yes',
      `dir ${dir}`,
      `pidfile ${dir}/redis.pid`,
      `logfile ${dir}/redis.log`,
      'save ""',
    ];
    if (o.cluster !== false) conf.push('cluster-enabled yes', 'cluster-node-timeout 1000');
    if (o.password) conf.push(`requirepass ${o.password}`, `masterauth ${o.password}`);
    await writeFile(path.join(dir, 'redis.conf'), conf.join('\n') + '\n');
    await execa('redis-server', [path.join(dir, 'redis.conf')]);
  }
  const clients = ports.map((p) => client(p, o.password));
  for (const c of clients) {
    for (let i = 0; ; i++) {
      try {
        await c.connect();
        break;
      } catch (e) {
        if (i > 200) throw e;
        await new Promise((r) => setTimeout(r, 10));
      }
    }
  }
  try {
    if (o.cluster !== false) await formRaw(clients, ports);
  } finally {
    clients.forEach((c) => c.disconnect());
  }
  return {
    ports,
    password: o.password,
    stop: async () => {
      await Promise.all(
        ports.map(async (p) => {
          const c = client(p, o.password);
          await c.connect().catch(() => {});
          await c.call('SHUTDOWN', 'NOSAVE').catch(() => {});
          c.disconnect();
        }),
      );
    },
  };
}

async function formRaw(clients: Redis[], ports: number[]): Promise<void> {
  const per = Math.floor(16384 / clients.length);
  await Promise.all(
    clients.map((c, i) =>
      c.call('CLUSTER', 'ADDSLOTSRANGE', i * per, i === clients.length - 1 ? 16383 : (i + 1) * per - 1),
    ),
  );
  await Promise.all(clients.slice(1).map((c) => c.call('CLUSTER', 'MEET', '127.0.0.1', ports[0]!)));
  for (let i = 0; i < 1000; i++) {
    const states = await Promise.all(clients.map((c) => c.call('CLUSTER', 'INFO')));
    if (states.every((s) => /cluster_state:ok/.test(String(s)))) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error('raw cluster did not form');
}
