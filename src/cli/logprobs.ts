import type { Command } from "commander";
import { toJsonl } from "../data/jsonl.js";
import type { OverlongPolicy } from "../model/context-fit.js";
import { runLogprobs } from "../model/logprob-rows.js";
import { addContextOptions, optionValue, snakeOption } from "./model-options.js";
import { intOption } from "./options.js";

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
  addContextOptions(cmd);
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
        "and an interrupted run resumes.\n" +
        "Every row is checked against the model's context first (max_position_embeddings, or --max_length): a row\n" +
        "whose prompt + response is longer is skipped (not in the output), truncated by the training rule or an\n" +
        "error, per --on_overlong.",
    )
    .action(async (opts: Record<string, unknown>) => {
      const rows = await runLogprobs({
        model: opts.model as string,
        data: opts.data as string,
        output: opts.output as string | undefined,
        batchSize: optionValue<number>(opts, "batch_size"),
        cacheDir: opts.cache === false ? null : optionValue(opts, "cache_dir"),
        maxLength: optionValue<number>(opts, "max_length"),
        onOverlong: optionValue<OverlongPolicy>(opts, "on_overlong"),
        reference: opts.reference === true,
      });
      if (!opts.output) process.stdout.write(toJsonl(rows));
    });
}
