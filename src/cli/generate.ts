import type { Command } from "commander";
import { toJsonl } from "../data/jsonl.js";
import { runGenerate } from "../model/generate-rows.js";
import { addHiddenAlias, addHiddenAliases } from "./aliases.js";
import { addContextOptions, type ContextFlags } from "./context-options.js";
import { floatOption, intOption } from "./options.js";

interface GenerateFlags extends ContextFlags {
  modelDir: string;
  input: string;
  output?: string;
  maxTokens: number;
  temperature: number;
  topP: number;
  seed: number;
  batchSize: number;
  reference?: boolean;
}

export function registerGenerate(program: Command): void {
  const cmd = program
    .command("generate")
    .description("Generate responses for chat rows with a model's own chat template (greedy or sampled, KV cache)")
    .requiredOption("--model-dir <dir>", "local Hugging Face model folder")
    .requiredOption("--input <file>", 'JSONL/JSON rows with "prompt" (string or messages) or "messages"')
    .option("-o, --output <file>", "write JSONL here (default: stdout)")
    .option("--max-tokens <n>", "maximum generated tokens per row", intOption({ min: 0 }), 256)
    .option("--temperature <t>", "sampling temperature; 0 = greedy", floatOption({ min: 0, max: 100 }), 0)
    .option("--top-p <p>", "nucleus sampling mass (with temperature > 0)", floatOption({ min: 0, max: 1 }), 1)
    .option("--seed <n>", "random seed for sampling", intOption({ min: 0 }), 0)
    .option("--batch-size <n>", "prompts generated together", intOption({ min: 1 }), 16);
  addContextOptions(cmd, {
    maxLength: "token limit per row, prompt + generated (default and upper bound: the model's max_position_embeddings)",
  });
  cmd.option("--reference", "use the float64 plain-TypeScript reference decoder (slow, no KV cache)");
  addHiddenAlias(cmd, "--model <dir>", "modelDir");
  addHiddenAlias(cmd, "--data <file>", "input");
  addHiddenAliases(cmd, "maxTokens", "--max-new-tokens <n>", "--max_new_tokens <n>");
  addHiddenAlias(cmd, "--top_p <p>", "topP");
  addHiddenAlias(cmd, "--batch_size <n>", "batchSize");
  cmd
    .addHelpText(
      "after",
      "\nOutput: one row per input row, in order: the input fields (id, key, prompt, messages... kept, so evaluators\n" +
        "match the rows) plus `response` (the generated text; replaces an input `response`) and `token_ids` (EOS\n" +
        "excluded). `iopo eval trace|ifeval|cfbench|complexbench --responses` read the file as it is.\n" +
        "Every prompt is checked against the model's context first (max_position_embeddings, or --max-length): a\n" +
        "prompt with no room left to generate is skipped (not in the output), truncated or an error, per\n" +
        "--on-overlong; a prompt that fits stops generating at the limit if it comes before --max-tokens.",
    )
    .action(async (opts: GenerateFlags) => {
      const rows = await runGenerate({
        model: opts.modelDir,
        data: opts.input,
        output: opts.output,
        max_new_tokens: opts.maxTokens,
        temperature: opts.temperature,
        top_p: opts.topP,
        seed: opts.seed,
        batch_size: opts.batchSize,
        max_length: opts.maxLength,
        on_overlong: opts.onOverlong,
        reference: opts.reference === true,
      });
      if (!opts.output) process.stdout.write(toJsonl(rows));
    });
}
