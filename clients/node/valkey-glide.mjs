// Valkey GLIDE (npm "@valkey/valkey-glide", a Rust core inside the package):
// GlideClusterClient with its defaults, or with a 1 s request timeout,
// topology checks every second and a short reconnect backoff. It has no
// Sentinel mode.
import { addresses, config, kind, password, run } from './loop.mjs';

if (kind() === 'sentinel' && !process.argv.includes('--version')) {
  process.stderr.write('valkey-glide has no Sentinel mode\n');
  process.exit(4);
}
await run('@valkey/valkey-glide', async () => {
  const { GlideClusterClient } = await import('@valkey/valkey-glide');
  const failover = config() === 'failover';
  return GlideClusterClient.createClient({
    addresses: addresses(),
    ...(password() ? { credentials: { password: password() } } : {}),
    ...(failover
      ? {
          requestTimeout: 1000,
          periodicChecks: { duration_in_sec: 1 },
          connectionBackoff: { numberOfRetries: 5, factor: 50, exponentBase: 2 },
        }
      : {}),
  }).then((c) => ({ set: (k, v) => c.set(k, v), close: () => c.close() }));
});
