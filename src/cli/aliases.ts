import { type Command, Option } from "commander";

/**
 * Old spellings of flags, kept so that scripts written for earlier versions keep working, but hidden from --help so
 * that every command shows one name per concept (the table is in the README, "Command line: one vocabulary").
 *
 *   cmd.requiredOption("--output-dir <dir>", "...");
 *   addHiddenAlias(cmd, "--out <dir>", "outputDir");        // `--out X` now sets what `--output-dir X` sets
 *
 * The alias takes the target option's value parser and choices, and sets the target's value (as given on the command
 * line, so a required target is satisfied by its alias). Call it after the target option is declared.
 */
export function addHiddenAlias(cmd: Command, flags: string, target: string): Command {
  const main = cmd.options.find((o) => o.attributeName() === target);
  if (!main) throw new Error(`${cmd.name()}: no option stores "${target}" (declare it before its alias ${flags})`);
  const alias = new Option(flags).hideHelp();
  // Commander keeps these on the option object; copying them gives the alias the same checks.
  const parse = (main as unknown as { parseArg?: (value: string, previous: unknown) => unknown }).parseArg;
  if (main.argChoices) alias.choices(main.argChoices);
  else if (parse) alias.argParser(parse);
  cmd.addOption(alias);
  // Commander's own listener (added by addOption) has parsed and stored the alias's value by the time this runs.
  cmd.on(`option:${alias.name()}`, () => {
    cmd.setOptionValueWithSource(target, cmd.getOptionValue(alias.attributeName()), "cli");
  });
  return cmd;
}

/** Several hidden aliases of one option: `addHiddenAliases(cmd, "maxTokens", "--max-new-tokens <n>", ...)`. */
export function addHiddenAliases(cmd: Command, target: string, ...flags: string[]): Command {
  for (const f of flags) addHiddenAlias(cmd, f, target);
  return cmd;
}
