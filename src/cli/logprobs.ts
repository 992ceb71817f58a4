import type { Command } from "commander";
import { toJsonl } from "../data/jsonl.js";
import { runLogprobs } from "../model/logprob-rows.js";
import { addHiddenAlias } from "./aliases.js";
import { addContextOptions, type ContextFlags } from "./context-options.js";
import { intOption } from "./options.js";

interface LogprobsFlags extends ContextFlags {
  modelDir: string;
  input: string;
  output?: string;
  batchSize: number;
  cacheDir?: string;
  /** false with --no-cache. */
  cache: boolean;
  reference?: boolean;
}

export function registerLogprobs(program: Command): void {
  const cmd = program
    .command("logprobs")
    .description("Sequence log-probs of responses given prompts under a model (rendered with its chat template)")
    .requiredOption(
      "--model-dir <dir>",
      "local Hugging Face model folder (config.json, safetensors, tokenizer, template)",
    )
    .requiredOption(
      "--input <file>",
      'JSONL/JSON rows with "prompt" (string = one user message, or messages) + "response", or "messages" ' +
        "(the last assistant message is the response)",
    )
    .option("-o, --output <file>", "write JSONL here (default: stdout)")
    .option("--batch-size <n>", "sequences per batch (rows are bucketed by length)", intOption({ min: 1 }), 8);
  addContextOptions(cmd);
  cmd
    .option("--cache-dir <dir>", "log-prob cache (default: $IOPO_CACHE_DIR/logprobs, else .iopo-cache/logprobs)")
    .option("--no-cache", "do not read or write the log-prob cache")
    .option("--reference", "use the float64 plain-TypeScript reference decoder instead of ONNX Runtime (slow)");
  addHiddenAlias(cmd, "--model <dir>", "modelDir");
  addHiddenAlias(cmd, "--data <file>", "input");
  addHiddenAlias(cmd, "--batch_size <n>", "batchSize");
  addHiddenAlias(cmd, "--cache_dir <dir>", "cacheDir");
  cmd
    .addHelpText(
      "after",
      "\nOutput: one row per input row, in order: the input fields plus logp_sum, logp_mean, n_tokens.\n" +
        "Results are cached by (hash of the tokenized data, hash of the weights + config): a rerun is a cache hit,\n" +
        "and an interrupted run resumes.\n" +
        "Every row is checked against the model's context first (max_position_embeddings, or --max-length): a row\n" +
        "whose prompt + response is longer is skipped (not in the output), truncated by the training rule or an\n" +
        "error, per --on-overlong.",
    )
    .action(async (opts: LogprobsFlags) => {
      const rows = await runLogprobs({
        model: opts.modelDir,
        data: opts.input,
        output: opts.output,
        batchSize: opts.batchSize,
        cacheDir: opts.cache === false ? null : opts.cacheDir,
        maxLength: opts.maxLength,
        onOverlong: opts.onOverlong,
        reference: opts.reference === true,
      });
      if (!opts.output) process.stdout.write(toJsonl(rows));
    });
}
