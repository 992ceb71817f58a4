import type { Command } from "commander";
import { register as registerCache } from "./cache.js";
import { register as registerEvalIfeval } from "./eval-ifeval.js";

/**
 * The command table. One line per command module; each module adds its command (and subcommands) to the program.
 * Order here is the order of `iopo --help`: the data flow seed -> trace -> pairs -> train -> eval, then utilities.
 */
export function registerCommands(program: Command): void {
  registerEvalIfeval(program);
  registerCache(program);
}
