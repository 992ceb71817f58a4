import type { Command } from "commander";
import { register as registerCache } from "./cache.js";
import { register as registerConvert } from "./convert.js";
import { register as registerDemo } from "./demo.js";
import { register as registerEvalCfbench } from "./eval-cfbench.js";
import { register as registerEvalComplexbench } from "./eval-complexbench.js";
import { register as registerEvalIfeval } from "./eval-ifeval.js";
import { register as registerEvalTrace } from "./eval-trace.js";
import { register as registerExperiment } from "./experiment.js";
import { register as registerExport } from "./export.js";
import { registerGenerate } from "./generate.js";
import { registerInspect } from "./inspect.js";
import { registerLogprobs } from "./logprobs.js";
import { register as registerPairs } from "./pairs.js";
import { register as registerReport } from "./report.js";
import { registerScore } from "./score.js";
import { register as registerStats } from "./stats.js";
import { registerTinyModel } from "./tiny-model.js";
import { register as registerTrace } from "./trace.js";
import { register as registerTrain } from "./train.js";

/**
 * The command table. One line per command module; each module adds its command (and subcommands) to the program.
 * Order here is the order of `iopo --help`: the data flow seed -> trace -> pairs -> train -> eval, then utilities.
 */
export function registerCommands(program: Command): void {
  registerDemo(program);
  registerExperiment(program);
  registerTrace(program);
  registerStats(program);
  registerPairs(program);
  registerTrain(program);
  registerLogprobs(program);
  registerScore(program);
  registerGenerate(program);
  registerInspect(program);
  registerTinyModel(program);
  registerEvalTrace(program);
  registerEvalIfeval(program);
  registerEvalCfbench(program);
  registerEvalComplexbench(program);
  registerReport(program);
  registerExport(program);
  registerConvert(program);
  registerCache(program);
}
