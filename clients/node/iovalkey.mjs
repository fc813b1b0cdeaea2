// iovalkey: the Valkey project's fork of ioredis, same options.
import { addresses, config, kind, password, run } from './loop.mjs';
import { ioredisFamily } from './ioredis-family.mjs';

await run('iovalkey', () => ioredisFamily(import('iovalkey'), { addresses, config, kind, password }));
