import { type Command, Option } from "commander";
import { DEFAULT_OVERLONG_POLICY, OVERLONG_POLICIES, type OverlongPolicy } from "../model/context-fit.js";
import { addHiddenAlias } from "./aliases.js";
import { intOption } from "./options.js";

/** Parsed values of `addContextOptions`. */
export interface ContextFlags {
  maxLength?: number;
  onOverlong: OverlongPolicy;
}

/**
 * `--max-length` and `--on-overlong` of the commands that run a model folder on data rows (generate, logprobs, and
 * `eval trace|ifeval --model-dir`): every row is checked against the model's context before any compute
 * (src/model/context-fit.ts). The snake_case spellings `--max_length` / `--on_overlong` are hidden aliases.
 */
export function addContextOptions(cmd: Command, help: { maxLength?: string; onOverlong?: string } = {}): Command {
  cmd.option(
    "--max-length <n>",
    help.maxLength ?? "token limit per row (default and upper bound: the model's max_position_embeddings)",
    intOption({ min: 1 }),
  );
  cmd.addOption(
    new Option(
      "--on-overlong <policy>",
      help.onOverlong ??
        "a row over the limit: skip (left out with a warning naming file:line), truncate (cut by the training " +
          "rule, keeping the prompt's start and the template's assistant header) or error (stop before running, " +
          "naming the row)",
    )
      .choices(OVERLONG_POLICIES)
      .default(DEFAULT_OVERLONG_POLICY),
  );
  addHiddenAlias(cmd, "--max_length <n>", "maxLength");
  addHiddenAlias(cmd, "--on_overlong <policy>", "onOverlong");
  return cmd;
}
