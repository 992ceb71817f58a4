import { readJsonOrJsonl, writeJsonl } from "../data/jsonl.js";
import { assertFilePath } from "../util/path-error.js";
import { checkVocabulary, encodeTrainingExample, rowToExample } from "./chat-encoding.js";
import { contextLimit, DEFAULT_OVERLONG_POLICY, describeFit, fitScoring, type OverlongPolicy } from "./context-fit.js";
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
  /** Token limit per sequence; default and upper bound: the model's max_position_embeddings. */
  maxLength?: number;
  /** What to do with a prompt + response over the limit (src/model/context-fit.ts). Default "skip". */
  onOverlong?: OverlongPolicy;
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
 * `n_tokens` (response tokens, i.e. what the chat template renders for the assistant turn). Rows over the model's
 * context are checked up front and skipped (left out of the output, with a warning naming file:line), truncated
 * (the training rule) or refused, per `onOverlong` (src/model/context-fit.ts).
 */
export async function runLogprobs(args: LogprobsArgs): Promise<LogprobsRow[]> {
  const log = args.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  // An unusable output path fails now, not after the compute.
  if (args.output) assertFilePath(args.output);
  const folder = loadModelFolder(args.model);
  const rows = readJsonOrJsonl(args.data);
  const encoded = rows.map((r) => {
    const example = rowToExample(r.value, args.data, r.line, true);
    const enc = encodeTrainingExample(folder, example, args.data);
    checkVocabulary(enc.ids, folder.config.vocab_size, args.data, r.line);
    return { ...enc, suffix: enc.promptSuffix, place: { file: args.data, line: r.line } };
  });
  const merged = encoded.filter((e) => e.boundaryMerged).length;
  if (merged > 0)
    log(`iopo logprobs: ${merged} row(s) tokenized prompt and response separately (BPE merge at the boundary)`);
  // Every row is checked against the model's context before any compute.
  const fit = fitScoring(
    encoded,
    contextLimit(folder.config, args.maxLength),
    args.onOverlong ?? DEFAULT_OVERLONG_POLICY,
  );
  for (const w of fit.report.warnings) log(`iopo logprobs: warning: ${w}`);
  const fitSummary = describeFit(fit.report);
  if (fitSummary) log(`iopo logprobs: ${fitSummary}`);
  const kept = rows.map((_, i) => i).filter((i) => fit.sequences[i] !== undefined);
  const runner = args.runner ?? (await createRunner(folder.config, args.reference === true));
  const weights = folder.checkpoint!.weights;
  const cacheDir = args.cacheDir === null ? undefined : (args.cacheDir ?? defaultCacheDir());
  const result = await computeSequenceLogprobs(
    runner,
    folder.config,
    weights,
    kept.map((i) => fit.sequences[i]!),
    {
      batchSize: args.batchSize ?? 8,
      cacheDir,
      onProgress: progressLogger("iopo logprobs", log),
    },
  );
  const out = kept.map((row, k) => ({
    ...(rows[row].value as Record<string, unknown>),
    logp_sum: result.sum[k],
    logp_mean: result.count[k] > 0 ? result.sum[k] / result.count[k] : null,
    n_tokens: result.count[k],
  }));
  if (args.output) writeJsonl(args.output, out);
  log(
    `iopo logprobs: ${out.length} rows, ${result.cached} from cache` +
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
