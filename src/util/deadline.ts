/** `p`, or a rejection with `reason` when it takes longer than `ms` (then `onTimeout` runs). */
export function withDeadline<T>(
  p: Promise<T>,
  ms: number,
  reason: string,
  onTimeout = (): void => undefined,
): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      // Rejected before the clean-up runs, so the race ends with this reason, not the clean-up's.
      reject(new Error(reason));
      onTimeout();
    }, ms);
  });
  return Promise.race([p, late]).finally(() => clearTimeout(timer));
}
