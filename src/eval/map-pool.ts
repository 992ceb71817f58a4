/**
 * Run `fn` over `items` with at most `concurrency` calls in flight, keeping results in input order.
 * Evaluations issue thousands of judge calls; the LLM layer bounds concurrency too, but the in-process engine
 * and scripted models do not, so the evaluators bound it themselves.
 */
export async function mapPool<T, R>(
  items: readonly T[],
  concurrency: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const workers = Array.from({ length: Math.max(1, Math.min(concurrency, items.length)) }, async () => {
    while (true) {
      const i = next++;
      if (i >= items.length) return;
      out[i] = await fn(items[i], i);
    }
  });
  await Promise.all(workers);
  return out;
}
