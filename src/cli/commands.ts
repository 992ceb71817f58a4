import type { Command } from "commander";
import { register as registerCache } from "./cache.js";
import { register as registerEvalCfbench } from "./eval-cfbench.js";
import { register as registerEvalComplexbench } from "./eval-complexbench.js";
import { register as registerEvalTrace } from "./eval-trace.js";

/**
 * The command table. One line per command module; each module adds its command (and subcommands) to the program.
 * Order here is the order of `iopo --help`: the data flow seed -> trace -> pairs -> train -> eval, then utilities.
 */
export function registerCommands(program: Command): void {
  registerEvalTrace(program);
  registerEvalCfbench(program);
  registerEvalComplexbench(program);
  registerCache(program);
}
