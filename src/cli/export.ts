import { resolve } from "node:path";
import { type Command, Option } from "commander";
import { exportTrlFile } from "../data/formats/convert.js";
import { exportLlamaFactory } from "../data/formats/export-llamafactory.js";
import { loadDataset } from "../data/formats/load.js";
import type { TrlStyle } from "../data/formats/trl.js";
import { FORMATS, type Format } from "../data/formats/types.js";
import { addHiddenAlias } from "./aliases.js";

function group(program: Command): Command {
  return (
    program.commands.find((c) => c.name() === "export") ??
    program.command("export").description("export datasets for other trainers (LLaMA-Factory, TRL)")
  );
}

const fromFormat = () => new Option("--from <format>", "input format (detected when absent)").choices(FORMATS);

const LLAMAFACTORY_HELP = `
IOPO groups are written as the official IOPO stage's input (<name>.json: sharegpt ranking rows, conversations =
[human x1, human x2], chosen = gpt y1, rejected = gpt y2, system column), their dataset_info.json entry, the paper's
recipe as <name>_iopo.yaml, and iopo-fork.patch, what the official fork (AlibabaResearch/DAMO-ConvAI,
IOPO/Method-IOPO) needs to run them. On the GPU machine:
  git clone https://github.com/AlibabaResearch/DAMO-ConvAI && cd DAMO-ConvAI/IOPO/Method-IOPO
  git apply OUT/iopo-fork.patch && pip install -e ".[torch,metrics,deepspeed]"
  cd OUT && llamafactory-cli train trace_iopo_iopo.yaml      # torchrun over every visible GPU
Preference pairs are written for stock LLaMA-Factory's DPO stage (<name>.json, default name trace_dpo, and
<name>.yaml); --dpo adds the groups' DPO* pairs (<name>_dpo.json, <name>_dpo.yaml).`;

export function register(program: Command): void {
  const exp = group(program);
  const lf = exp
    .command("llamafactory")
    .description("write IOPO groups (or DPO pairs) for LLaMA-Factory: dataset, dataset_info.json, YAML, fork patch")
    .requiredOption("--input <file>", "IOPO groups or preference pairs (any supported format; detected)")
    .requiredOption("--output-dir <dir>", "folder to write the dataset, dataset_info.json and configs into")
    .option("--name <name>", "dataset name in dataset_info.json (default: trace_iopo for groups, trace_dpo for pairs)")
    .addOption(fromFormat())
    .option("--model-name-or-path <path>", "model_name_or_path written into the configs (the SFT model to start from)")
    .option("--template <name>", "LLaMA-Factory chat template", "qwen")
    .option("--dpo", "also write the groups' DPO* pairs and a `stage: dpo` config")
    .addOption(
      new Option("--dpo-format <formatting>", "rows for the DPO stage")
        .choices(["alpaca", "sharegpt"])
        .default("sharegpt"),
    );
  addHiddenAlias(lf, "--data <file>", "input");
  addHiddenAlias(lf, "--data-format <format>", "from");
  addHiddenAlias(lf, "--model <path>", "modelNameOrPath");
  lf.addHelpText("after", LLAMAFACTORY_HELP).action(
    (opts: {
      input: string;
      outputDir: string;
      name?: string;
      from?: Format;
      modelNameOrPath?: string;
      template: string;
      dpo?: boolean;
      dpoFormat: "alpaca" | "sharegpt";
    }) => {
      const { dataset } = loadDataset(opts.input, opts.from);
      const result = exportLlamaFactory(dataset, {
        outputDir: resolve(opts.outputDir),
        name: opts.name,
        model: opts.modelNameOrPath,
        dpo: Boolean(opts.dpo),
        dpoFormatting: opts.dpoFormat,
        template: opts.template,
      });
      const counts = [
        ...(dataset.kind === "group" ? [`${result.rows} IOPO rows`] : []),
        ...(result.dpoRows !== undefined ? [`${result.dpoRows} DPO rows`] : []),
      ].join(", ");
      process.stdout.write(`wrote ${counts}:\n${result.files.map((f) => `  ${f}`).join("\n")}\n`);
    },
  );

  const trl = exp
    .command("trl")
    .description("write TRL preference rows (IOPO groups become their DPO* pairs) or TRL SFT rows")
    .requiredOption("--input <file>", "IOPO groups, DPO pairs, SFT rows or TRACE records (any supported format)")
    .requiredOption("-o, --output <file>", "output file (.jsonl, or .json for a JSON array)")
    .addOption(fromFormat())
    .addOption(
      new Option("--style <style>", "TRL rows").choices(["conversational", "standard"]).default("conversational"),
    )
    .option("--sft", "write SFT rows (messages) instead: SFT* from groups, chosen responses from pairs");
  addHiddenAlias(trl, "--data <file>", "input");
  addHiddenAlias(trl, "--data-format <format>", "from");
  trl.action((opts: { input: string; output: string; from?: Format; style: TrlStyle; sft?: boolean }) => {
    const n = exportTrlFile(opts.input, opts.output, { from: opts.from, style: opts.style, sft: opts.sft });
    process.stdout.write(`wrote ${n} rows to ${opts.output}\n`);
  });
}
