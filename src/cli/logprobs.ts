import type { Command } from "commander";
import { readJsonOrJsonl, toJsonl, writeJsonl } from "../data/jsonl.js";
import { checkVocabulary, encodeExample, rowToExample } from "../model/chat-encoding.js";
import { createRunner } from "../model/engine-loader.js";
import { defaultCacheDir } from "../model/logprob-cache.js";
import { computeSequenceLogprobs, type SequenceLogprobRunner } from "../model/logprobs.js";
import { loadModelFolder } from "../model/model-folder.js";
import { optionValue, snakeOption } from "./model-options.js";
import { intOption } from "./options.js";

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

export function registerLogprobs(program: Command): void {
  const cmd = program
    .command("logprobs")
    .description("Sequence log-probs of responses given prompts under a model (rendered with its chat template)")
    .requiredOption("--model <dir>", "local Hugging Face model folder (config.json, safetensors, tokenizer, template)")
    .requiredOption(
      "--data <file>",
      'JSONL/JSON rows with "prompt" (string = one user message, or messages) + "response", or "messages" ' +
        "(the last assistant message is the response)",
    )
    .option("-o, --output <file>", "write JSONL here (default: stdout)");
  snakeOption(cmd, "batch_size", "<n>", "sequences per batch (rows are bucketed by length)", {
    parse: intOption({ min: 1 }),
    default: 8,
  });
  snakeOption(
    cmd,
    "cache_dir",
    "<dir>",
    `log-prob cache (default: $IOPO_CACHE_DIR/logprobs, else .iopo-cache/logprobs)`,
  );
  cmd
    .option("--no-cache", "do not read or write the log-prob cache")
    .option("--reference", "use the float64 plain-TypeScript reference decoder instead of ONNX Runtime (slow)")
    .addHelpText(
      "after",
      "\nOutput: one row per input row, in order: the input fields plus logp_sum, logp_mean, n_tokens.\n" +
        "Results are cached by (hash of the tokenized data, hash of the weights + config): a rerun is a cache hit,\n" +
        "and an interrupted run resumes.",
    )
    .action(async (opts: Record<string, unknown>) => {
      const rows = await runLogprobs({
        model: opts.model as string,
        data: opts.data as string,
        output: opts.output as string | undefined,
        batchSize: optionValue<number>(opts, "batch_size"),
        cacheDir: opts.cache === false ? null : optionValue(opts, "cache_dir"),
        reference: opts.reference === true,
      });
      if (!opts.output) process.stdout.write(toJsonl(rows));
    });
}
