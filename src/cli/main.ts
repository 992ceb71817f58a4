import { Command, CommanderError } from "commander";
import { DataError } from "../data/errors.js";
import { PathError } from "../util/path-error.js";
import { packageVersion } from "../util/paths.js";
import { RunLockedError } from "../util/run-lock.js";
import { registerCommands } from "./commands.js";
import { EXIT, UsageError } from "./options.js";

/** Build the `iopo` program. Each command lives in its own file under src/cli/ and registers itself here. */
export function buildProgram(): Command {
  const program = new Command();
  program
    .name("iopo")
    .description(
      "Complex instruction following for LLMs (IOPO, Zhang et al. 2024): TRACE data engine, preference data,\n" +
        "SFT/DPO/IOPO training on ONNX Runtime, and IFEval/TRACE/CFBench/ComplexBench evaluation.",
    )
    .version(packageVersion())
    .showHelpAfterError()
    .configureHelp({ sortSubcommands: false });
  registerCommands(program);
  return program;
}

/**
 * Run `iopo` on `argv` and end the process with the code of the EXIT table (src/cli/options.ts) for the ways a
 * command can stop early: commander's own parse errors and --help/--version, a UsageError (a line naming the
 * command, then its help, as commander does for its own errors), a DataError (`iopo: file:line: field: message`) or a
 * PathError (`iopo: path: what was expected`), both without the help text, a RunLockedError (the output folder is
 * another run's: EXIT.locked, naming the holder). Any other error is a runtime failure
 * and is rethrown: runCli() (the `iopo` binary) reports it and exits with EXIT.failure, and tests can await it.
 */
export async function main(argv: string[]): Promise<void> {
  const program = buildProgram();
  let running: Command = program;
  program.hook("preAction", (_program, action) => {
    running = action;
  });
  // Commander would call process.exit itself (with 1 for every parse error); make it throw so the table applies.
  const each = (cmd: Command): void => {
    cmd.exitOverride();
    for (const sub of cmd.commands) each(sub);
  };
  each(program);
  try {
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof UsageError) {
      // From an action (a parser's UsageError reaches here as commander's CommanderError, already printed).
      process.stderr.write(`error: ${commandPath(running)}: ${err.message}\n\n`);
      running.outputHelp({ error: true });
      process.exit(EXIT.usage);
    }
    if (err instanceof CommanderError) process.exit(err.exitCode === EXIT.ok ? EXIT.ok : EXIT.usage);
    if (err instanceof DataError || err instanceof PathError) {
      // Bad input data or an unusable path: one line naming the file (and line, field), never the usage text.
      process.stderr.write(`iopo: ${err.message}\n`);
      process.exit(EXIT.usage);
    }
    if (err instanceof RunLockedError) {
      process.stderr.write(`iopo: ${err.message}\n`);
      process.exit(EXIT.locked);
    }
    throw err;
  }
}

/** The process entry (bin/iopo.js): main(), with a runtime failure reported as one line and EXIT.failure. */
export async function runCli(argv: string[]): Promise<void> {
  try {
    await main(argv);
  } catch (err) {
    process.stderr.write(`iopo: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(EXIT.failure);
  }
}

/** "iopo eval ifeval" for the command `ifeval` of `eval`. */
function commandPath(cmd: Command): string {
  const names: string[] = [];
  for (let c: Command | null = cmd; c; c = c.parent) names.unshift(c.name());
  return names.join(" ");
}
