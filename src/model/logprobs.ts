import type { ModelConfig } from "./config.js";
import { encodedDataHash, LogprobCache, modelHash } from "./logprob-cache.js";
import type { Weights } from "./weights.js";

/**
 * Sequence log-probs of many (prompt, response) examples: length-bucketed batches through a runner (the ONNX
 * forward-only graph in production, the reference decoder in tests), results in input order, cached on disk.
 * This is the one code path behind `iopo logprobs` and the trainer's reference log-prob precomputation.
 */

export interface SequenceBatch {
  ids: Int32Array[];
  /** Index of the first response token of each sequence. */
  responseStart: number[];
}

/** What the engine's `createLogprobRunner` returns (structural, so tests can pass any implementation). */
export interface SequenceLogprobRunner {
  sequenceLogprobs(weights: Weights, batch: SequenceBatch): Promise<{ sum: Float64Array; count: Int32Array }>;
}

export interface EncodedSequence {
  ids: Int32Array;
  responseStart: number;
}

/**
 * Group example indices into batches of similar length (sorted by length, then cut every `batchSize` rows or
 * when the padded batch would exceed `maxBatchTokens`), so padding waste stays small. Deterministic.
 */
export function lengthBuckets(
  lengths: number[],
  batchSize: number,
  maxBatchTokens = Number.POSITIVE_INFINITY,
): number[][] {
  const order = lengths.map((_, i) => i).sort((a, b) => lengths[a] - lengths[b] || a - b);
  const batches: number[][] = [];
  let current: number[] = [];
  for (const i of order) {
    const padded = (current.length + 1) * lengths[i]; // sorted ascending: the new row is the longest
    if (current.length > 0 && (current.length >= batchSize || padded > maxBatchTokens)) {
      batches.push(current);
      current = [];
    }
    current.push(i);
  }
  if (current.length) batches.push(current);
  return batches;
}

export interface LogprobOptions {
  batchSize?: number;
  maxBatchTokens?: number;
  /** Cache directory; undefined disables caching. */
  cacheDir?: string;
  onProgress?: (done: number, total: number) => void;
}

export interface LogprobResults {
  sum: Float64Array;
  count: Int32Array;
  /** How many rows came from the cache. */
  cached: number;
  cacheFile?: string;
}

export async function computeSequenceLogprobs(
  runner: SequenceLogprobRunner,
  config: ModelConfig,
  weights: Weights,
  examples: EncodedSequence[],
  options: LogprobOptions = {},
): Promise<LogprobResults> {
  const n = examples.length;
  const sum = new Float64Array(n);
  const count = new Int32Array(n);
  const done = new Uint8Array(n);
  let cache: LogprobCache | undefined;
  let cached = 0;
  if (options.cacheDir !== undefined) {
    cache = new LogprobCache(options.cacheDir, encodedDataHash(examples), modelHash(config, weights), n);
    for (const [i, v] of cache.load()) {
      sum[i] = v.sum;
      count[i] = v.count;
      done[i] = 1;
      cached++;
    }
  }
  const todo = examples.map((_, i) => i).filter((i) => !done[i]);
  const batches = lengthBuckets(
    todo.map((i) => examples[i].ids.length),
    options.batchSize ?? 8,
    options.maxBatchTokens,
  ).map((b) => b.map((k) => todo[k]));
  let finished = cached;
  options.onProgress?.(finished, n);
  try {
    for (const batch of batches) {
      const out = await runner.sequenceLogprobs(weights, {
        ids: batch.map((i) => examples[i].ids),
        responseStart: batch.map((i) => examples[i].responseStart),
      });
      batch.forEach((i, k) => {
        sum[i] = out.sum[k];
        count[i] = out.count[k];
      });
      cache?.append(batch.map((i, k) => ({ i, sum: out.sum[k], count: out.count[k] })));
      finished += batch.length;
      options.onProgress?.(finished, n);
    }
  } finally {
    cache?.close();
  }
  return { sum, count, cached, cacheFile: cache?.file };
}
