import type { Command } from "commander";
import { toJsonl } from "../data/jsonl.js";
import { optionValue, snakeOption } from "./model-options.js";
import { intOption } from "./options.js";

/** `iopo score`: a reward model's scores of (prompt, response) rows, pairs and IOPO groups. */
export function registerScore(program: Command): void {
  const cmd = program
    .command("score")
    .description("Rewards of responses under a reward model (a folder written by `iopo train --method rm`)")
    .requiredOption(
      "--model <dir>",
      "reward model folder (*ForSequenceClassification with score.weight, or its LoRA adapter)",
    )
    .requiredOption(
      "--data <file>",
      'JSONL/JSON rows: "prompt" + "response"/"completion" or "messages" (-> reward), preference rows with ' +
        '"chosen"/"rejected" (-> reward_chosen, reward_rejected), or IOPO groups (-> reward_x1_y1, ...)',
    )
    .option("-o, --output <file>", "write JSONL here (default: stdout)");
  snakeOption(cmd, "batch_size", "<n>", "rows per engine call", { parse: intOption({ min: 1 }), default: 64 });
  snakeOption(cmd, "max_length", "<n>", "longest sequence scored (longer ones keep their end)", {
    parse: intOption({ min: 2 }),
  });
  cmd
    .addHelpText(
      "after",
      "\nOutput: the input rows plus the reward fields, in order. The summary (stderr) gives the mean reward and, for\n" +
        "pairs (an IOPO group is its two pairs x1: y1 > y2, x2: y2 > y1), TRL's accuracy and margin.",
    )
    .action(async (opts: Record<string, unknown>) => {
      // the engine starts only when a command needs it
      const { scoreRows } = await import("../train/online/score-rows.js");
      const { rows, summary } = await scoreRows({
        model: opts.model as string,
        data: opts.data as string,
        output: opts.output as string | undefined,
        batchSize: optionValue<number>(opts, "batch_size"),
        maxLength: optionValue<number>(opts, "max_length"),
      });
      if (!opts.output) process.stdout.write(toJsonl(rows));
      const parts = [`${summary.rows} rows, ${summary.scores} scores, mean_reward ${summary.mean_reward.toFixed(4)}`];
      if (summary.pairs !== undefined)
        parts.push(
          `${summary.pairs} pairs: accuracy ${summary.accuracy!.toFixed(4)}, margin ${summary.margin!.toFixed(4)}`,
        );
      process.stderr.write(`iopo score: ${parts.join("; ")}\n`);
    });
}
