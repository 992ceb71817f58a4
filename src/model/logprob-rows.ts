import { readJsonOrJsonl, writeJsonl } from "../data/jsonl.js";
import { checkVocabulary, encodeExample, rowToExample } from "./chat-encoding.js";
import { createRunner } from "./engine-loader.js";
import { defaultCacheDir } from "./logprob-cache.js";
import { computeSequenceLogprobs, type SequenceLogprobRunner } from "./logprobs.js";
import { loadModelFolder } from "./model-folder.js";

export interface LogprobsArgs {
  model: string;
  data: string;
  output?: string;
  batchSize?: number;
  /** undefined = default location; null = no cache. */
  cacheDir?: string | null;
  reference?: boolean;
  /** Injected runner (tests). */
  runner?: SequenceLogprobRunner;
  log?: (line: string) => void;
}

export interface LogprobsRow extends Record<string, unknown> {
  logp_sum: number;
  logp_mean: number | null;
  n_tokens: number;
}

/**
 * Score every row's response under the model: one output row per input row, in input order, with the input's
 * fields plus `logp_sum` (sum of response-token log-probs, natural log), `logp_mean` (= logp_sum / n_tokens) and
 * `n_tokens` (response tokens, i.e. what the chat template renders for the assistant turn).
 */
export async function runLogprobs(args: LogprobsArgs): Promise<LogprobsRow[]> {
  const log = args.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const folder = loadModelFolder(args.model);
  const rows = readJsonOrJsonl(args.data);
  const encoded = rows.map((r) => {
    const enc = encodeExample(folder, rowToExample(r.value, args.data, r.line, true), args.data);
    checkVocabulary(enc.ids, folder.config.vocab_size, args.data, r.line);
    return enc;
  });
  const merged = encoded.filter((e) => e.boundaryMerged).length;
  if (merged > 0)
    log(`iopo logprobs: ${merged} row(s) tokenized prompt and response separately (BPE merge at the boundary)`);
  const runner = args.runner ?? (await createRunner(folder.config, args.reference === true));
  const weights = folder.checkpoint!.weights;
  const cacheDir = args.cacheDir === null ? undefined : (args.cacheDir ?? defaultCacheDir());
  const result = await computeSequenceLogprobs(runner, folder.config, weights, encoded, {
    batchSize: args.batchSize ?? 8,
    cacheDir,
    onProgress: progressLogger("iopo logprobs", log),
  });
  const out = rows.map((r, i) => ({
    ...(r.value as Record<string, unknown>),
    logp_sum: result.sum[i],
    logp_mean: result.count[i] > 0 ? result.sum[i] / result.count[i] : null,
    n_tokens: result.count[i],
  }));
  if (args.output) writeJsonl(args.output, out);
  log(
    `iopo logprobs: ${rows.length} rows, ${result.cached} from cache` +
      (result.cacheFile ? ` (${result.cacheFile})` : "") +
      (args.output ? ` -> ${args.output}` : ""),
  );
  return out;
}

/** A progress line at most every 10 s (stderr), so long runs show they are alive without flooding CI logs. */
export function progressLogger(prefix: string, log: (line: string) => void) {
  const started = Date.now();
  let last = started;
  return (done: number, total: number) => {
    const now = Date.now();
    if (now - last < 10_000 || done === total) return;
    last = now;
    const rate = done / ((now - started) / 1000);
    log(`${prefix}: ${done}/${total} rows (${rate.toFixed(1)} rows/s)`);
  };
}
