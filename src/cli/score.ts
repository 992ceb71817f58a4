import type { Command } from "commander";
import { toJsonl } from "../data/jsonl.js";
import { addHiddenAlias } from "./aliases.js";
import { addContextOptions, type ContextFlags } from "./context-options.js";
import { intOption } from "./options.js";

interface ScoreFlags extends ContextFlags {
  modelDir: string;
  input: string;
  output?: string;
  batchSize: number;
}

/** `iopo score`: a reward model's scores of (prompt, response) rows, pairs and IOPO groups. */
export function registerScore(program: Command): void {
  const cmd = program
    .command("score")
    .description("Rewards of responses under a reward model (a folder written by `iopo train --method rm`)")
    .requiredOption(
      "--model-dir <dir>",
      "reward model folder (*ForSequenceClassification with score.weight, or its LoRA adapter)",
    )
    .requiredOption(
      "--input <file>",
      'JSONL/JSON rows: "prompt" + "response"/"completion" or "messages" (-> reward), preference rows with ' +
        '"chosen"/"rejected" (-> reward_chosen, reward_rejected), or IOPO groups (-> reward_x1_y1, ...)',
    )
    .option("-o, --output <file>", "write JSONL here (default: stdout)")
    .option("--batch-size <n>", "rows per engine call", intOption({ min: 1 }), 64);
  addContextOptions(cmd, {
    onOverlong:
      "a row with a prompt + response over the limit: skip (left out with a warning naming file:line), truncate " +
      "(cut by the training rule: the prompt keeps its start and the template's assistant header, the response its " +
      "first tokens) or error (stop before scoring, naming the row)",
  });
  addHiddenAlias(cmd, "--model <dir>", "modelDir");
  addHiddenAlias(cmd, "--data <file>", "input");
  addHiddenAlias(cmd, "--batch_size <n>", "batchSize");
  cmd
    .addHelpText(
      "after",
      "\nOutput: the input rows plus the reward fields, in order. The summary (stderr) gives the mean reward and, for\n" +
        "pairs (an IOPO group is its two pairs x1: y1 > y2, x2: y2 > y1), TRL's accuracy and margin.\n" +
        "Every sequence is checked against the model's context first (max_position_embeddings, or --max-length): a\n" +
        "row with one over it is skipped, truncated or an error, per --on-overlong; a row is scored whole or not at all.",
    )
    .action(async (opts: ScoreFlags) => {
      // the engine starts only when a command needs it
      const { scoreRows } = await import("../train/online/score-rows.js");
      const { rows, summary } = await scoreRows({
        model: opts.modelDir,
        data: opts.input,
        output: opts.output,
        batchSize: opts.batchSize,
        maxLength: opts.maxLength,
        onOverlong: opts.onOverlong,
      });
      if (!opts.output) process.stdout.write(toJsonl(rows));
      const parts = [`${summary.rows} rows, ${summary.scores} scores, mean_reward ${summary.mean_reward.toFixed(4)}`];
      if (summary.pairs !== undefined)
        parts.push(
          `${summary.pairs} pairs: accuracy ${summary.accuracy!.toFixed(4)}, margin ${summary.margin!.toFixed(4)}`,
        );
      process.stderr.write(`iopo score: ${parts.join("; ")}${opts.output ? ` -> ${opts.output}` : ""}\n`);
    });
}
