import type { Command } from "commander";

/**
 * The command table. One line per command module; each module adds its command (and subcommands) to the program.
 * Order here is the order of `iopo --help`.
 */
export function registerCommands(_program: Command): void {}
