/**
 * Client-side failures sorted into what they tell about the cluster. The
 * classes are the ones an operator reads a failover by: the cluster said it
 * is down, a slot moved and redirects did not settle, the node is a replica,
 * the connection went away, or nothing answered in time.
 */
export const ERROR_CLASSES = [
  'CLUSTERDOWN',
  'MOVED/ASK',
  'TRYAGAIN',
  'READONLY',
  'NOREPLICAS',
  'LOADING',
  'connection refused',
  'connection reset/closed',
  'timeout',
  'retries exhausted',
  'other',
] as const;
export type ErrorClass = (typeof ERROR_CLASSES)[number];

export function classifyClientError(e: unknown): ErrorClass {
  const err = e as { message?: string; code?: string; name?: string; lastNodeError?: unknown };
  const msg = `${err?.name ?? ''} ${err?.message ?? String(e)} ${err?.code ?? ''}`;
  // ioredis wraps the failure that ended its redirections: classify what really happened.
  const inner = /Too many Cluster redirections\. Last error: (.*)$/s.exec(msg);
  if (inner && !/MOVED|ASK/.test(inner[1]!)) return classifyClientError(new Error(inner[1]));
  if (/CLUSTERDOWN/.test(msg)) return 'CLUSTERDOWN';
  if (/MOVED|ASK|Too many Cluster redirections/i.test(msg)) return 'MOVED/ASK';
  if (/TRYAGAIN/.test(msg)) return 'TRYAGAIN';
  if (/READONLY/.test(msg)) return 'READONLY';
  // min-replicas-to-write: the master refuses writes while too few replicas are linked.
  if (/NOREPLICAS/.test(msg)) return 'NOREPLICAS';
  if (/LOADING/.test(msg)) return 'LOADING';
  if (/ECONNREFUSED|Connection refused/i.test(msg)) return 'connection refused';
  if (/timed? ?out|ETIMEDOUT/i.test(msg)) return 'timeout';
  if (
    /ECONNRESET|EPIPE|Connection is closed|connection closed|Stream isn't writeable|enableOfflineQueue|MaxRetriesPerRequest|ClusterAllFailed|Failed to refresh slots cache|None of startup nodes/i.test(
      msg,
    )
  )
    return 'connection reset/closed';
  // Other libraries' words for the same (redis-py, redis-rb, phpredis, node-redis).
  if (/read error on connection|Connection lost|Socket closed|client is closed|Connection closed by server/i.test(msg))
    return 'connection reset/closed';
  // A library that gave up after its own retries (redis-py "TTL exhausted", Jedis "No more cluster attempts left", phpredis).
  if (/TTL exhausted|No more cluster attempts|Can't communicate with any node/i.test(msg)) return 'retries exhausted';
  return 'other';
}
