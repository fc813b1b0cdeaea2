import { Redis } from 'ioredis';

/**
 * Plain connections for checking the cluster with raw commands, independent
 * of redis-drill's own parsing.
 */
export async function raw<T>(
  port: number,
  fn: (r: Redis) => Promise<T>,
  host = '127.0.0.1',
  password?: string,
): Promise<T> {
  const r = new Redis({
    host,
    port,
    password,
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    connectTimeout: 2000,
    commandTimeout: 3000,
  });
  r.on('error', () => {});
  await r.connect();
  try {
    return await fn(r);
  } finally {
    r.disconnect();
  }
}

export const rawCall = (port: number, ...args: (string | number)[]): Promise<unknown> =>
  raw(port, (r) => r.call(args[0] as string, ...args.slice(1)));

export const rawText = async (port: number, ...args: (string | number)[]): Promise<string> =>
  String(await rawCall(port, ...args));

/** "key:value" from an INFO-style reply, parsed here on purpose without redis-drill's parser. */
export function field(info: string, key: string): string | undefined {
  return info
    .split(/\r?\n/)
    .find((l) => l.startsWith(`${key}:`))
    ?.slice(key.length + 1);
}
