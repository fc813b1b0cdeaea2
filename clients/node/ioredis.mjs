// ioredis: Cluster (or Sentinel) client, with its defaults or with the
// settings its README gives for failover (timeouts, quick slot refresh).
import { addresses, config, kind, password, run } from './loop.mjs';
import { ioredisFamily } from './ioredis-family.mjs';

await run('ioredis', () => ioredisFamily(import('ioredis'), { addresses, config, kind, password }));
