/**
 * Running one task per item with at most `limit` of them at a time: what `init` and the fleet
 * check use so that hundreds of domains are looked at in one process, neither one after the
 * other nor all at once (which would open hundreds of sockets and DNS questions together).
 */

/**
 * `task(item, index)` for every item, at most `limit` running at once, in the order of `items`;
 * the results in the same order. A task that rejects rejects the whole call, so tasks that may
 * fail should catch and return their failure as a value.
 */
export async function mapConcurrently<T, R>(items: readonly T[], limit: number, task: (item: T, index: number) => Promise<R>): Promise<R[]> {
  if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`limit must be a whole number from 1, not ${limit}`);
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      results[index] = await task(items[index], index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/**
 * `promise`'s value, or `onTimeout()`'s when it has not settled within `ms`. The promise keeps
 * running (nothing can cancel it from outside), so every task given here must end by itself
 * within its own time limits; this only stops a caller from waiting for it.
 */
export async function withDeadline<T>(promise: Promise<T>, ms: number, onTimeout: () => T): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<T>((resolve) => {
    timer = setTimeout(() => resolve(onTimeout()), ms);
  });
  try {
    return await Promise.race([promise, deadline]);
  } finally {
    clearTimeout(timer);
  }
}
