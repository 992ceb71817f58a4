import type { Command } from "commander";
import { inspectRow } from "../model/inspect-row.js";
import { addHiddenAlias } from "./aliases.js";
import { intOption, UsageError } from "./options.js";

interface InspectFlags {
  modelDir: string;
  input?: string;
  row: number;
  prompt?: string;
  response?: string;
  json?: boolean;
}

export function registerInspect(program: Command): void {
  const cmd = program
    .command("inspect")
    .description("Show a row as the model sees it: rendered chat template, prompt/response boundary, tokens")
    .requiredOption("--model-dir <dir>", "local Hugging Face model folder")
    .option("--input <file>", "JSONL/JSON rows (prompt + response, or messages)")
    .option("--row <n>", "0-based row index in --input", intOption({ min: 0 }), 0)
    .option("--prompt <text>", "a single user message instead of --input")
    .option("--response <text>", "the assistant response for --prompt")
    .option("--json", "print JSON (texts, ids and token pieces on each side) instead of the report");
  addHiddenAlias(cmd, "--model <dir>", "modelDir");
  addHiddenAlias(cmd, "--data <file>", "input");
  cmd.action((opts: InspectFlags) => {
    if (opts.input === undefined && opts.prompt === undefined)
      throw new UsageError("give --input FILE [--row N] or --prompt TEXT [--response TEXT]");
    const { report, json } = inspectRow({
      model: opts.modelDir,
      data: opts.input,
      row: opts.row,
      prompt: opts.prompt,
      response: opts.response,
    });
    process.stdout.write(opts.json ? `${JSON.stringify(json, null, 2)}\n` : report);
  });
}
