import { type Command, Option } from "commander";
import { convertFile } from "../data/formats/convert.js";
import type { TrlStyle } from "../data/formats/trl.js";
import { FORMATS, type Format } from "../data/formats/types.js";

const FORMATS_HELP = `
Formats (--from is detected from the fields when absent):
  iopo      IOPO groups {x1, y1, x2, y2} (pairs iopo's iopo_groups.jsonl)
  dpo       DPO pairs: TRL explicit-prompt conversational {prompt, chosen, rejected} (pairs dpo's dpo_pairs.jsonl)
  sft       SFT rows: TRL {messages} (the last one the assistant's) or {prompt, completion}
  trace     TRACE records {id, messages, ..., response}: messages up to the user turn + the response (trace build's
            trace.jsonl); SFT examples, the paper's first training step
  trl       TRL preference rows, standard (strings) or conversational, explicit or implicit prompt
  alpaca    LLaMA-Factory alpaca {instruction, input, output | chosen, rejected, system?, history?}
  sharegpt  LLaMA-Factory sharegpt {conversations, chosen?, rejected?, system?} (IOPO groups: the official ranking rows)

IOPO groups written to a pair format (dpo, trl, alpaca) become their DPO* pairs (x1: y1 > y2, x2: y2 > y1);
to sft or trace they become SFT* rows ({x1,y1}, {x2,y2}); preference pairs to sft keep the chosen response.
System messages are kept: a system turn in TRL/project rows, the \`system\` column in LLaMA-Factory rows.
--print-dataset-info prints (alone on stdout) the dataset_info.json entry of an alpaca/sharegpt output as a JSON
object keyed by --name (default: the output file's name without extension), with file_name relative to the output's
folder: it is the dataset_info.json of that folder as it is, or its entry to add to an existing one.`;

export function register(program: Command): void {
  program
    .command("convert")
    .description("convert datasets between project, TRACE, TRL and LLaMA-Factory formats")
    .requiredOption("--input <file>", "input file (JSONL or JSON array)")
    .requiredOption("-o, --output <file>", "output file (.jsonl, or .json for a JSON array)")
    .addOption(new Option("--to <format>", "output format").choices(FORMATS).makeOptionMandatory())
    .addOption(new Option("--from <format>", "input format (detected when absent)").choices(FORMATS))
    .addOption(
      new Option("--style <style>", "TRL rows").choices(["conversational", "standard"]).default("conversational"),
    )
    .option("--print-dataset-info", "print the LLaMA-Factory dataset_info.json entry for the output (alpaca/sharegpt)")
    .option("--name <name>", "dataset name for --print-dataset-info (default: the output file's name)")
    .addHelpText("after", FORMATS_HELP)
    .action(
      (opts: {
        input: string;
        output: string;
        to: Format;
        from?: Format;
        style: TrlStyle;
        printDatasetInfo?: boolean;
        name?: string;
      }) => {
        const r = convertFile(opts.input, opts.output, opts.to, {
          from: opts.from,
          style: opts.style,
          name: opts.name,
        });
        const line = `converted ${r.dataset.rows.length} ${r.dataset.kind} rows (${r.format}) -> ${r.rows.length} ${opts.to} rows\n`;
        // With --print-dataset-info, stdout is the JSON entry alone (redirect it into dataset_info.json).
        if (opts.printDatasetInfo && r.datasetInfo) {
          process.stderr.write(line);
          process.stdout.write(`${JSON.stringify(r.datasetInfo, null, 2)}\n`);
        } else process.stdout.write(line);
      },
    );
}
