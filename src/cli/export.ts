import { resolve } from "node:path";
import { type Command, Option } from "commander";
import { exportTrlFile } from "../data/formats/convert.js";
import { exportLlamaFactory } from "../data/formats/export-llamafactory.js";
import { loadDataset } from "../data/formats/load.js";
import type { TrlStyle } from "../data/formats/trl.js";
import { FORMATS, type Format } from "../data/formats/types.js";

function group(program: Command): Command {
  return (
    program.commands.find((c) => c.name() === "export") ??
    program.command("export").description("export datasets for other trainers (LLaMA-Factory, TRL)")
  );
}

const dataFormat = () => new Option("--data-format <format>", "input format (detected when absent)").choices(FORMATS);

export function register(program: Command): void {
  const exp = group(program);
  exp
    .command("llamafactory")
    .description("write IOPO groups as the official IOPO stage's input + dataset_info.json + a paper-recipe YAML")
    .requiredOption("--data <file>", "IOPO groups (any supported format; detected)")
    .requiredOption("--output-dir <dir>", "folder to write the dataset, dataset_info.json and configs into")
    .option("--name <name>", "dataset name in dataset_info.json", "trace_iopo")
    .addOption(dataFormat())
    .option("--model <path>", "model_name_or_path written into the configs")
    .option("--template <name>", "LLaMA-Factory chat template", "qwen")
    .option("--dpo", "also write the groups' DPO* pairs and a `stage: dpo` config")
    .addOption(
      new Option("--dpo-format <formatting>", "rows for the DPO stage")
        .choices(["alpaca", "sharegpt"])
        .default("sharegpt"),
    )
    .action(
      (opts: {
        data: string;
        outputDir: string;
        name: string;
        dataFormat?: Format;
        model?: string;
        template: string;
        dpo?: boolean;
        dpoFormat: "alpaca" | "sharegpt";
      }) => {
        const { dataset } = loadDataset(opts.data, opts.dataFormat);
        const result = exportLlamaFactory(dataset, {
          outputDir: resolve(opts.outputDir),
          name: opts.name,
          model: opts.model,
          dpo: Boolean(opts.dpo),
          dpoFormatting: opts.dpoFormat,
          template: opts.template,
        });
        const counts = `${result.rows} IOPO rows${result.dpoRows !== undefined ? `, ${result.dpoRows} DPO rows` : ""}`;
        process.stdout.write(`wrote ${counts}:\n${result.files.map((f) => `  ${f}`).join("\n")}\n`);
      },
    );

  exp
    .command("trl")
    .description("write TRL preference rows (IOPO groups become their DPO* pairs) or TRL SFT rows")
    .requiredOption("--data <file>", "IOPO groups, DPO pairs or SFT rows (any supported format; detected)")
    .requiredOption("--output <file>", "output file (.jsonl, or .json for a JSON array)")
    .addOption(dataFormat())
    .addOption(
      new Option("--style <style>", "TRL rows").choices(["conversational", "standard"]).default("conversational"),
    )
    .option("--sft", "write SFT rows (messages) instead: SFT* from groups, chosen responses from pairs")
    .action((opts: { data: string; output: string; dataFormat?: Format; style: TrlStyle; sft?: boolean }) => {
      const n = exportTrlFile(opts.data, opts.output, { from: opts.dataFormat, style: opts.style, sft: opts.sft });
      process.stdout.write(`wrote ${n} rows to ${opts.output}\n`);
    });
}
