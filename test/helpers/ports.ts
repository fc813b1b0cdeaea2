import net from 'node:net';

function free(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.once('error', () => resolve(false));
    s.listen({ host: '127.0.0.1', port, exclusive: true }, () => s.close(() => resolve(true)));
  });
}

/**
 * A base port such that `count` consecutive ports and their cluster bus
 * ports (+10000) are free. Each vitest worker draws from its own band so
 * files running side by side do not pick the same ports.
 */
/** Ports this process handed out: tests that start clusters side by side (a limit of several at once) must not get overlapping ranges before either has bound them. */
const handedOut = new Set<number>();

export async function freePortRange(count: number): Promise<number> {
  const worker = Number(process.env.VITEST_POOL_ID ?? 1);
  // Client ports 10000-21999 put every bus port (+10000) below 32768, where
  // Linux's ephemeral ports begin: an outgoing connection can take a port
  // there between our check and the server's bind (seen as "bus port in
  // use"). REDIS_DRILL_TEST_PORT_BASE moves the bands, so two test runs side
  // by side (two work trees) do not race for the same ports.
  const base0 = Number(process.env.REDIS_DRILL_TEST_PORT_BASE ?? 10000);
  const bandStart = base0 + (worker % 8) * 1500;
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = bandStart + Math.floor(Math.random() * (1500 - count));
    const ports = Array.from({ length: count }, (_, i) => base + i);
    if (ports.some((p) => handedOut.has(p))) continue;
    for (const p of ports) handedOut.add(p);
    const checks = await Promise.all(ports.flatMap((p) => [free(p), free(p + 10000)]));
    if (checks.every(Boolean)) return base;
  }
  throw new Error(`no free range of ${count} ports found`);
}
