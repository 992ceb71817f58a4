import type { Command } from "commander";
import { inspectRow } from "../model/inspect-row.js";
import { intOption, UsageError } from "./options.js";

export function registerInspect(program: Command): void {
  program
    .command("inspect")
    .description("Show a row as the model sees it: rendered chat template, prompt/response boundary, tokens")
    .requiredOption("--model <dir>", "local Hugging Face model folder")
    .option("--data <file>", "JSONL/JSON rows (prompt + response, or messages)")
    .option("--row <n>", "0-based row index in --data", intOption({ min: 0 }), 0)
    .option("--prompt <text>", "a single user message instead of --data")
    .option("--response <text>", "the assistant response for --prompt")
    .option("--json", "print JSON (texts, ids and token pieces on each side) instead of the report")
    .action((opts: Record<string, unknown>) => {
      if (opts.data === undefined && opts.prompt === undefined)
        throw new UsageError("give --data FILE [--row N] or --prompt TEXT [--response TEXT]");
      const { report, json } = inspectRow({
        model: opts.model as string,
        data: opts.data as string | undefined,
        row: opts.row as number,
        prompt: opts.prompt as string | undefined,
        response: opts.response as string | undefined,
      });
      process.stdout.write(opts.json ? `${JSON.stringify(json, null, 2)}\n` : report);
    });
}
