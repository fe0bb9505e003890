/**
 * A worker pool: runs async work over a list with at most N at once (`jobs`
 * for deploys, compose checks in `validate`), keeping the input order.
 * @module
 */

/** Runs `work` over `items`, at most `jobs` at once, keeping the input order in the result. */
export async function pool<T, R>(
  items: readonly T[],
  jobs: number,
  work: (item: T) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index]!);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(jobs, items.length)) }, worker));
  return results;
}
