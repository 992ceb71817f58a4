import { type Command, Option } from "commander";
import { DataError } from "../data/errors.js";

/**
 * Options shared by the model commands. Flags use Hugging Face's snake_case names; each also accepts its
 * kebab-case spelling (hidden from --help to keep it short).
 */
export function snakeOption(
  cmd: Command,
  snake: string,
  valueName: string,
  description: string,
  defaultValue?: string,
) {
  const kebab = snake.replaceAll("_", "-");
  const main = new Option(`--${snake} ${valueName}`, description);
  if (defaultValue !== undefined) main.default(defaultValue);
  cmd.addOption(main);
  if (kebab !== snake) cmd.addOption(new Option(`--${kebab} ${valueName}`).hideHelp());
}

/** Read a snake_case option, falling back to its kebab-case alias (commander camel-cases `--a-b` to `aB`). */
export function optionValue(opts: Record<string, unknown>, snake: string): string | undefined {
  const camel = snake.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
  const kebabValue = opts[camel];
  const snakeValue = opts[snake];
  // An explicit kebab value wins over the snake default.
  return (kebabValue as string | undefined) ?? (snakeValue as string | undefined);
}

export function intOption(opts: Record<string, unknown>, snake: string, min: number): number | undefined {
  const raw = optionValue(opts, snake);
  if (raw === undefined) return undefined;
  const v = Number(raw);
  if (!Number.isInteger(v) || v < min)
    throw new DataError(
      "command line",
      undefined,
      `--${snake}`,
      `expected an integer >= ${min}, got ${JSON.stringify(raw)}`,
    );
  return v;
}

export function floatOption(
  opts: Record<string, unknown>,
  snake: string,
  min: number,
  max: number,
): number | undefined {
  const raw = optionValue(opts, snake);
  if (raw === undefined) return undefined;
  const v = Number(raw);
  if (!Number.isFinite(v) || v < min || v > max) {
    throw new DataError(
      "command line",
      undefined,
      `--${snake}`,
      `expected a number in [${min}, ${max}], got ${JSON.stringify(raw)}`,
    );
  }
  return v;
}
