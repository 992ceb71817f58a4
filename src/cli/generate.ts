import type { Command } from "commander";
import { toJsonl } from "../data/jsonl.js";
import type { OverlongPolicy } from "../model/context-fit.js";
import { runGenerate } from "../model/generate-rows.js";
import { addContextOptions, optionValue, snakeOption } from "./model-options.js";
import { floatOption, intOption } from "./options.js";

export function registerGenerate(program: Command): void {
  const cmd = program
    .command("generate")
    .description("Generate responses for chat rows with a model's own chat template (greedy or sampled, KV cache)")
    .requiredOption("--model <dir>", "local Hugging Face model folder")
    .requiredOption("--data <file>", 'JSONL/JSON rows with "prompt" (string or messages) or "messages"')
    .option("-o, --output <file>", "write JSONL here (default: stdout)");
  snakeOption(cmd, "max_new_tokens", "<n>", "maximum generated tokens per row", {
    parse: intOption({ min: 0 }),
    default: 256,
  });
  snakeOption(cmd, "temperature", "<t>", "sampling temperature; 0 = greedy", {
    parse: floatOption({ min: 0, max: 100 }),
    default: 0,
  });
  snakeOption(cmd, "top_p", "<p>", "nucleus sampling mass (with temperature > 0)", {
    parse: floatOption({ min: 0, max: 1 }),
    default: 1,
  });
  snakeOption(cmd, "seed", "<n>", "random seed for sampling", { parse: intOption({ min: 0 }), default: 0 });
  snakeOption(cmd, "batch_size", "<n>", "prompts generated together", { parse: intOption({ min: 1 }), default: 16 });
  addContextOptions(cmd);
  cmd
    .option("--reference", "use the float64 plain-TypeScript reference decoder (slow, no KV cache)")
    .addHelpText(
      "after",
      "\nOutput: one row per input row, in order: the input fields plus text and token_ids (EOS excluded).\n" +
        "Every prompt is checked against the model's context first (max_position_embeddings, or --max_length): a\n" +
        "prompt with no room left to generate is skipped (not in the output), truncated or an error, per\n" +
        "--on_overlong; a prompt that fits stops generating at the limit if it comes before --max_new_tokens.",
    )
    .action(async (opts: Record<string, unknown>) => {
      const rows = await runGenerate({
        model: opts.model as string,
        data: opts.data as string,
        output: opts.output as string | undefined,
        max_new_tokens: optionValue<number>(opts, "max_new_tokens"),
        temperature: optionValue<number>(opts, "temperature"),
        top_p: optionValue<number>(opts, "top_p"),
        seed: optionValue<number>(opts, "seed"),
        batch_size: optionValue<number>(opts, "batch_size"),
        max_length: optionValue<number>(opts, "max_length"),
        on_overlong: optionValue<OverlongPolicy>(opts, "on_overlong"),
        reference: opts.reference === true,
      });
      if (!opts.output) process.stdout.write(toJsonl(rows));
    });
}
