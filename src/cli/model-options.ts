import { type Command, Option } from "commander";

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
