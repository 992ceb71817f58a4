import type { Command } from "commander";
import { datasetInfoEntry } from "../data/formats/llamafactory.js";
import { loadDataset, toKind } from "../data/formats/load.js";
import { FORMATS } from "../data/formats/types.js";
import { exportRows, serializeRows } from "../data/formats/write.js";
import { writeFileAtomic } from "../util/atomic.js";
import { guarded } from "./cli-errors.js";
import { parseFormat } from "./export.js";

export function register(program: Command): void {
  program
    .command("convert")
    .description("convert datasets between project, TRL and LLaMA-Factory formats")
    .requiredOption("--input <file>", "input file (JSONL or JSON array)")
    .requiredOption("--output <file>", "output file (.jsonl, or .json for a JSON array)")
    .requiredOption("--to <format>", `output format: ${FORMATS.join(" | ")}`)
    .option("--from <format>", `input format: ${FORMATS.join(" | ")} (detected when absent)`)
    .option("--style <style>", "TRL rows: conversational | standard", "conversational")
    .option("--print-dataset-info", "print the LLaMA-Factory dataset_info.json entry for the output (alpaca/sharegpt)")
    .addHelpText(
      "after",
      "\nIOPO groups written to a pair format (dpo, trl, alpaca) become their DPO* pairs (x1: y1 > y2, x2: y2 > y1);\n" +
        "to sft they become SFT* rows ({x1,y1}, {x2,y2}); preference pairs to sft keep the chosen response.",
    )
    .action(
      guarded((opts) => {
        const to = parseFormat(opts.to)!;
        if (opts.style !== "conversational" && opts.style !== "standard")
          throw new Error(`--style must be conversational or standard, got "${opts.style}"`);
        const { format, dataset } = loadDataset(opts.input, parseFormat(opts.from));
        const ds = to === "sft" ? toKind(dataset, "sft") : dataset;
        if (to === "iopo" && ds.kind !== "group")
          throw new Error(`${opts.input} holds ${ds.kind} examples; only IOPO groups can be written as iopo`);
        const rows = exportRows(ds, to, { style: opts.style, source: opts.input });
        writeFileAtomic(opts.output, serializeRows(opts.output, rows));
        process.stdout.write(
          `converted ${dataset.rows.length} ${dataset.kind} rows (${format}) -> ${rows.length} ${to} rows\n`,
        );
        if (opts.printDatasetInfo && (to === "alpaca" || to === "sharegpt")) {
          const kind = ds.kind === "group" && to === "alpaca" ? "pair" : ds.kind;
          process.stdout.write(`${JSON.stringify(datasetInfoEntry(opts.output, to, kind, rows), null, 2)}\n`);
        }
      }),
    );
}
