import { type Command, Option } from "commander";
import { CHAT_TEMPLATES, type TemplateStyle, writeTinyModel } from "../model/tiny-model.js";
import { optionValue, snakeOption } from "./model-options.js";
import { intOption } from "./options.js";

/** `iopo tiny-model`: write a tiny random HF model folder, to try every model command offline in seconds. */
export function registerTinyModel(program: Command): void {
  const cmd = program
    .command("tiny-model")
    .description("Write a tiny random Hugging Face model folder (for trying the model commands offline)")
    .requiredOption("-o, --output <dir>", "folder to write (config.json, model.safetensors, tokenizer, template)")
    .addOption(new Option("--model_type <type>", "architecture").choices(["qwen2", "llama"]).default("qwen2"))
    .addOption(new Option("--template <style>", "chat template style").choices(Object.keys(CHAT_TEMPLATES)))
    .addOption(new Option("--dtype <dtype>", "stored dtype").choices(["F32", "BF16", "F16"]).default("F32"));
  snakeOption(cmd, "hidden_size", "<n>", "hidden size", { parse: intOption({ min: 4 }), default: 32 });
  snakeOption(cmd, "num_hidden_layers", "<n>", "decoder layers", { parse: intOption({ min: 1 }), default: 2 });
  snakeOption(cmd, "seed", "<n>", "weight seed", { parse: intOption({ min: 0 }), default: 0 });
  cmd.action((opts: Record<string, unknown>) => {
    const { config } = writeTinyModel(opts.output as string, {
      modelType: opts.model_type as "qwen2" | "llama",
      template: opts.template as TemplateStyle | undefined,
      dtype: opts.dtype as "F32" | "BF16" | "F16",
      hiddenSize: optionValue<number>(opts, "hidden_size"),
      numLayers: optionValue<number>(opts, "num_hidden_layers"),
      seed: optionValue<number>(opts, "seed"),
    });
    process.stderr.write(
      `iopo tiny-model: wrote ${opts.output} (${config.model_type}, hidden ${config.hidden_size}, ` +
        `${config.num_hidden_layers} layers, vocab ${config.vocab_size})\n`,
    );
  });
}
