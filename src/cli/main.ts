import { Command } from "commander";
import { DataError } from "../data/errors.js";
import { packageVersion } from "../util/paths.js";
import { registerCommands } from "./commands.js";

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

export async function main(argv: string[]): Promise<void> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof DataError) {
      process.stderr.write(`iopo: ${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
}
