import { Redis } from 'ioredis';
// Not exported by name: the module the Cluster client itself uses, so patching its prototype reaches every instance.
import * as ShardedSubscriber from 'ioredis/built/cluster/ShardedSubscriber.js';

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

/**
 * ioredis 5.11 (cluster/ShardedSubscriber.js, stop) disconnects a sharded
 * subscriber and then removes all its listeners, its error listener too. A
 * message already on the wire (SMESSAGE right after a failover moved the
 * shard) then reaches a connection with no command queue, ioredis emits
 * "Command queue state error" as an 'error' event nobody listens to, and
 * the process ends. A stopped subscriber's errors mean nothing: they are
 * dropped here.
 */
type StopProto = { prototype: { stop: (this: { getInstance(): Redis | null }) => void } };
// From ESM, a CommonJS module's namespace default is its module.exports, whose own default is the class.
const loaded = (ShardedSubscriber as unknown as { default: StopProto & { default?: StopProto } }).default;
const sharded = (loaded.default ?? loaded).prototype;
const stop = sharded.stop;
sharded.stop = function (this: { getInstance(): Redis | null }): void {
  const instance = this.getInstance();
  stop.call(this);
  instance?.on('error', () => undefined);
};
