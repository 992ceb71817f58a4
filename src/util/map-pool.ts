/**
 * Run `fn` over `items` with at most `concurrency` calls in flight, keeping results in input order.
 * Evaluations issue thousands of judge calls; the LLM layer bounds concurrency too, but the in-process engine
 * and scripted models do not, so the evaluators bound it themselves. After a failure no new item starts, the
 * calls in flight are awaited (so their answers still reach the response cache), then the first error is thrown.
 */
export async function mapPool<T, R>(
  items: readonly T[],
  concurrency: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  let failed = false;
  let firstError: unknown;
  const workers = Array.from({ length: Math.max(1, Math.min(concurrency, items.length)) }, async () => {
    while (!failed) {
      const i = next++;
      if (i >= items.length) return;
      try {
        out[i] = await fn(items[i], i);
      } catch (err) {
        if (!failed) firstError = err;
        failed = true;
      }
    }
  });
  await Promise.all(workers);
  if (failed) throw firstError;
  return out;
}
