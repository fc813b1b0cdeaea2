import { Redis } from 'ioredis';

/**
 * ioredis 5 (cluster/index.js, tryConnection) sends ASKING before a command
 * redirected with ASK and never handles ASKING's own promise. When the node
 * the ASK points to dies (a migration's target killed mid-batch), that
 * promise rejects with "Connection is closed." and, unhandled, ends the
 * process. The redirected command fails on its own and is retried or counted
 * as usual; ASKING's reply adds nothing, so its rejection is dropped here.
 * Imported for this side effect by every module that makes a Cluster client.
 */
const proto = Redis.prototype as unknown as { asking: (this: Redis, ...args: unknown[]) => Promise<unknown> };
const asking = proto.asking;
proto.asking = function (this: Redis, ...args: unknown[]): Promise<unknown> {
  const p = asking.apply(this, args);
  p.catch(() => undefined);
  return p;
};
