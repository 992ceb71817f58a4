import { type Command, Option } from "commander";
import { DEFAULT_OVERLONG_POLICY, OVERLONG_POLICIES } from "../model/context-fit.js";
import { intOption, UsageError } from "./options.js";

/**
 * Options shared by the model commands. Flags use Hugging Face's snake_case names; each also accepts its
 * kebab-case spelling (hidden from --help to keep it short). `parse` (e.g. intOption from ./options.ts) checks
 * the value of either spelling.
 */
export function snakeOption(
  cmd: Command,
  snake: string,
  valueName: string,
  description: string,
  settings: { parse?: (value: string) => unknown; default?: unknown } = {},
) {
  const kebab = snake.replaceAll("_", "-");
  const main = new Option(`--${snake} ${valueName}`, description);
  if (settings.parse) main.argParser(settings.parse);
  if (settings.default !== undefined) main.default(settings.default);
  cmd.addOption(main);
  if (kebab !== snake) {
    const alias = new Option(`--${kebab} ${valueName}`).hideHelp();
    if (settings.parse) alias.argParser(settings.parse);
    cmd.addOption(alias);
  }
}

/** Read a snake_case option, falling back to its kebab-case alias (commander camel-cases `--a-b` to `aB`). */
export function optionValue<T = string>(opts: Record<string, unknown>, snake: string): T | undefined {
  const camel = snake.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
  // An explicit kebab value wins over the snake default.
  return (opts[camel] ?? opts[snake]) as T | undefined;
}

/**
 * `--max_length` and `--on_overlong` of the commands that run a model folder on data rows (generate, logprobs): every
 * row is checked against the model's context before any compute (src/model/context-fit.ts).
 */
export function addContextOptions(cmd: Command): void {
  snakeOption(cmd, "max_length", "<n>", "token limit per row (default and upper bound: max_position_embeddings)", {
    parse: intOption({ min: 1 }),
  });
  snakeOption(
    cmd,
    "on_overlong",
    "<policy>",
    `a row over the limit: ${OVERLONG_POLICIES.join(" | ")} (skip: left out with a warning naming file:line; ` +
      "truncate: cut by the training rule, keeping the prompt's start and the template's assistant header; error: " +
      "stop before running, naming the row)",
    { parse: choiceOption(OVERLONG_POLICIES), default: DEFAULT_OVERLONG_POLICY },
  );
}

/** Parser of a flag value that must be one of `choices` (UsageError otherwise). */
export function choiceOption<T extends string>(choices: readonly T[]): (value: string) => T {
  return (value: string) => {
    if (!(choices as readonly string[]).includes(value)) throw new UsageError(`expected one of: ${choices.join(", ")}`);
    return value as T;
  };
}
