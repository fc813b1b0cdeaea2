/**
 * At most `n` bodies at a time: concurrent tests in one file that each start
 * a cluster share two cores without starving the servers' failure detection.
 */
export function limit(n: number): <T>(fn: () => Promise<T>) => Promise<T> {
  let running = 0;
  const queue: (() => void)[] = [];
  return async (fn) => {
    if (running >= n) await new Promise<void>((resolve) => queue.push(resolve));
    running++;
    try {
      return await fn();
    } finally {
      running--;
      queue.shift()?.();
    }
  };
}
