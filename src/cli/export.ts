import { resolve } from "node:path";
import type { Command } from "commander";
import { exportLlamaFactory } from "../data/formats/export-llamafactory.js";
import { loadDataset, toKind } from "../data/formats/load.js";
import { FORMATS, type Format } from "../data/formats/types.js";
import { exportRows, serializeRows } from "../data/formats/write.js";
import { writeFileAtomic } from "../util/atomic.js";
import { guarded } from "./cli-errors.js";

function group(program: Command): Command {
  return (
    program.commands.find((c) => c.name() === "export") ??
    program.command("export").description("export datasets for other trainers (LLaMA-Factory, TRL)")
  );
}

function parseFormat(value: string | undefined): Format | undefined {
  if (value === undefined) return undefined;
  if (!(FORMATS as readonly string[]).includes(value))
    throw new Error(`unknown format "${value}" (expected one of: ${FORMATS.join(", ")})`);
  return value as Format;
}

export function register(program: Command): void {
  const exp = group(program);
  exp
    .command("llamafactory")
    .description("write IOPO groups as the official IOPO stage's input + dataset_info.json + a paper-recipe YAML")
    .requiredOption("--data <file>", "IOPO groups (any supported format; detected)")
    .requiredOption("--output-dir <dir>", "folder to write the dataset, dataset_info.json and configs into")
    .option("--name <name>", "dataset name in dataset_info.json", "trace_iopo")
    .option("--data-format <format>", `input format (${FORMATS.join(" | ")}); detected when absent`)
    .option("--model <path>", "model_name_or_path written into the configs")
    .option("--template <name>", "LLaMA-Factory chat template", "qwen")
    .option("--dpo", "also write the groups' DPO* pairs and a `stage: dpo` config")
    .option("--dpo-format <formatting>", "alpaca | sharegpt rows for the DPO stage", "sharegpt")
    .action(
      guarded((opts) => {
        const { dataset } = loadDataset(opts.data, parseFormat(opts.dataFormat));
        if (opts.dpoFormat !== "alpaca" && opts.dpoFormat !== "sharegpt")
          throw new Error(`--dpo-format must be alpaca or sharegpt, got "${opts.dpoFormat}"`);
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
      }),
    );

  exp
    .command("trl")
    .description("write TRL preference rows (IOPO groups become their DPO* pairs) or TRL SFT rows")
    .requiredOption("--data <file>", "IOPO groups, DPO pairs or SFT rows (any supported format; detected)")
    .requiredOption("--output <file>", "output file (.jsonl, or .json for a JSON array)")
    .option("--data-format <format>", `input format (${FORMATS.join(" | ")}); detected when absent`)
    .option("--style <style>", "conversational | standard", "conversational")
    .option("--sft", "write SFT rows (messages) instead: SFT* from groups, chosen responses from pairs")
    .action(
      guarded((opts) => {
        if (opts.style !== "conversational" && opts.style !== "standard")
          throw new Error(`--style must be conversational or standard, got "${opts.style}"`);
        const { dataset } = loadDataset(opts.data, parseFormat(opts.dataFormat));
        const rows = opts.sft
          ? exportRows(toKind(dataset, "sft"), "sft", { source: opts.data })
          : exportRows(
              dataset.kind === "sft" ? dataset : toKind(dataset, "pair"),
              dataset.kind === "sft" ? "sft" : "trl",
              {
                style: opts.style,
                source: opts.data,
              },
            );
        writeFileAtomic(opts.output, serializeRows(opts.output, rows));
        process.stdout.write(`wrote ${rows.length} rows to ${opts.output}\n`);
      }),
    );
}

export { parseFormat };
