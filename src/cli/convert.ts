import { type Command, Option } from "commander";
import { convertFile } from "../data/formats/convert.js";
import type { TrlStyle } from "../data/formats/trl.js";
import { FORMATS, type Format } from "../data/formats/types.js";

export function register(program: Command): void {
  program
    .command("convert")
    .description("convert datasets between project, TRL and LLaMA-Factory formats")
    .requiredOption("--input <file>", "input file (JSONL or JSON array)")
    .requiredOption("--output <file>", "output file (.jsonl, or .json for a JSON array)")
    .addOption(new Option("--to <format>", "output format").choices(FORMATS).makeOptionMandatory())
    .addOption(new Option("--from <format>", "input format (detected when absent)").choices(FORMATS))
    .addOption(
      new Option("--style <style>", "TRL rows").choices(["conversational", "standard"]).default("conversational"),
    )
    .option("--print-dataset-info", "print the LLaMA-Factory dataset_info.json entry for the output (alpaca/sharegpt)")
    .addHelpText(
      "after",
      "\nIOPO groups written to a pair format (dpo, trl, alpaca) become their DPO* pairs (x1: y1 > y2, x2: y2 > y1);\n" +
        "to sft they become SFT* rows ({x1,y1}, {x2,y2}); preference pairs to sft keep the chosen response.",
    )
    .action(
      (opts: {
        input: string;
        output: string;
        to: Format;
        from?: Format;
        style: TrlStyle;
        printDatasetInfo?: boolean;
      }) => {
        const r = convertFile(opts.input, opts.output, opts.to, { from: opts.from, style: opts.style });
        process.stdout.write(
          `converted ${r.dataset.rows.length} ${r.dataset.kind} rows (${r.format}) -> ${r.rows.length} ${opts.to} rows\n`,
        );
        if (opts.printDatasetInfo && r.datasetInfo) process.stdout.write(`${JSON.stringify(r.datasetInfo, null, 2)}\n`);
      },
    );
}
