import { type Command, Option } from "commander";
import { CHAT_TEMPLATES, type TemplateStyle, writeTinyModel } from "../model/tiny-model.js";
import { addHiddenAlias } from "./aliases.js";
import { intOption } from "./options.js";

interface TinyModelFlags {
  outputDir: string;
  modelType: "qwen2" | "llama";
  template?: TemplateStyle;
  dtype: "F32" | "BF16" | "F16";
  hiddenSize: number;
  numHiddenLayers: number;
  seed: number;
}

/** `iopo tiny-model`: write a tiny random HF model folder, to try every model command offline in seconds. */
export function registerTinyModel(program: Command): void {
  const cmd = program
    .command("tiny-model")
    .description("Write a tiny random Hugging Face model folder (for trying the model commands offline)")
    .requiredOption("--output-dir <dir>", "folder to write (config.json, model.safetensors, tokenizer, template)")
    .addOption(new Option("--model-type <type>", "architecture").choices(["qwen2", "llama"]).default("qwen2"))
    .addOption(new Option("--template <style>", "chat template style").choices(Object.keys(CHAT_TEMPLATES)))
    .addOption(new Option("--dtype <dtype>", "stored dtype").choices(["F32", "BF16", "F16"]).default("F32"))
    .option("--hidden-size <n>", "hidden size", intOption({ min: 4 }), 32)
    .option("--num-hidden-layers <n>", "decoder layers", intOption({ min: 1 }), 2)
    .option("--seed <n>", "weight seed", intOption({ min: 0 }), 0);
  addHiddenAlias(cmd, "-o, --output <dir>", "outputDir");
  addHiddenAlias(cmd, "--model_type <type>", "modelType");
  addHiddenAlias(cmd, "--hidden_size <n>", "hiddenSize");
  addHiddenAlias(cmd, "--num_hidden_layers <n>", "numHiddenLayers");
  cmd.action((opts: TinyModelFlags) => {
    const { config } = writeTinyModel(opts.outputDir, {
      modelType: opts.modelType,
      template: opts.template,
      dtype: opts.dtype,
      hiddenSize: opts.hiddenSize,
      numLayers: opts.numHiddenLayers,
      seed: opts.seed,
    });
    process.stderr.write(
      `iopo tiny-model: wrote ${opts.outputDir} (${config.model_type}, hidden ${config.hidden_size}, ` +
        `${config.num_hidden_layers} layers, vocab ${config.vocab_size})\n`,
    );
  });
}
