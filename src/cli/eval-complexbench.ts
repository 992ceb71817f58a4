import { join } from "node:path";
import { type Command, Option } from "commander";
import { generateComplexbenchResponses } from "../eval/complexbench/generate.js";
import { writeComplexbenchOutputs } from "../eval/complexbench/outputs.js";
import type { ComplexbenchParseMode } from "../eval/complexbench/parse-judge.js";
import { type Pairing, readComplexbenchData, readComplexbenchResponses } from "../eval/complexbench/record.js";
import { type ComplexbenchLanguage, formatComplexbenchTable, runComplexbench } from "../eval/complexbench/run.js";
import { EngineChatModel } from "../model/engine-chat-model.js";
import { ensureDir } from "../util/path-error.js";
import {
  addGeneratorOptions,
  addJudgeOptions,
  addOutputDirOption,
  addProgressOption,
  createEvalModels,
  evalGroup,
  evalProgress,
  generationParams,
  type ModelFlags,
  reportDryRun,
} from "./eval-models.js";
import { floatOption, intOption, UsageError } from "./options.js";
import {
  addForceUnlockOption,
  addOverwriteOption,
  lockRunFolder,
  type RunFolderFlags,
  refuseFinishedRun,
} from "./run-folder.js";

interface ComplexbenchFlags extends ModelFlags, RunFolderFlags {
  overwrite?: boolean;
  data: string;
  responses?: string;
  outputDir: string;
  progress: "auto" | "tty" | "json" | "none";
  pairBy: Pairing;
  parse: ComplexbenchParseMode;
  language: ComplexbenchLanguage;
  reask: number;
  temperature: number;
  topP?: number;
  maxTokens?: number;
  judgeTemperature: number;
  judgeTopP?: number;
  judgeMaxTokens?: number;
  concurrency: number;
}

/** `iopo eval complexbench`: ComplexBench DRFR (Wen et al. 2024) with the upstream rule + LLM judge pipeline. */
export function register(program: Command): void {
  const cmd = evalGroup(program)
    .command("complexbench")
    .description("ComplexBench DRFR: LLM judge + rule checks with dependency masking, breakdowns, coherent test")
    .requiredOption("--data <file>", "upstream data/data_final.json (not shipped; MIT upstream)")
    .option("--responses <file>", "generations JSONL {main_id, generated} in benchmark order (upstream format)")
    .addOption(
      new Option("--pair-by <how>", "pair responses with records by line position (upstream) or main_id")
        .choices(["position", "main_id"])
        .default("position"),
    )
    .addOption(
      new Option("--parse <mode>", "judge/extraction parsing: upstream-exact or tolerant")
        .choices(["upstream-exact", "tolerant"])
        .default("upstream-exact"),
    )
    .addOption(
      new Option("--language <lang>", "zh, or en (English instruction and questions; the judge prompt stays Chinese)")
        .choices(["zh", "en"])
        .default("zh"),
    )
    .option("--reask <n>", "extra judge calls when the judge returns an empty text", intOption({ min: 0 }), 2)
    .option(
      "--temperature <t>",
      "generation temperature when generating (upstream recommends greedy)",
      floatOption({ min: 0 }),
      0,
    );
  addOutputDirOption(cmd, "output folder (results and metrics)");
  addGeneratorOptions(cmd);
  addProgressOption(cmd);
  addJudgeOptions(cmd, { temperature: 0 });
  addForceUnlockOption(addOverwriteOption(cmd));
  cmd.action(async (flags: ComplexbenchFlags) => {
    // held until the finally below, or (an early error) until the process exits
    const lock = lockRunFolder(flags.outputDir, flags);
    const records = readComplexbenchData(flags.data);
    refuseFinishedRun(flags.outputDir, "complexbench_metrics.json", flags.overwrite);
    ensureDir(flags.outputDir);
    // A model folder runs in-process on the engine (chat template of the model, KV-cache decoding, batched).
    const engine = flags.modelDir ? new EngineChatModel(flags.modelDir) : undefined;
    const progress = evalProgress(flags.progress);
    const models = createEvalModels(flags, { onEvent: progress.onEvent });
    const judge = models.judge!;
    const generator = engine ?? models.generator;
    try {
      let responses: (string | null)[];
      if (flags.responses) responses = readComplexbenchResponses(flags.responses, records, flags.pairBy);
      else {
        if (!generator) throw new UsageError("give --responses FILE, or --base-url and --model to generate responses");
        responses = await generateComplexbenchResponses(
          records,
          generator,
          {
            language: flags.language,
            temperature: flags.temperature,
            params: generationParams(flags),
            concurrency: flags.concurrency,
            onProgress: (done, total) => progress.onProgress("generate", done, total),
          },
          join(flags.outputDir, "generations.jsonl"),
        );
      }
      const result = await runComplexbench({
        records,
        responses,
        judge,
        temperature: flags.judgeTemperature,
        top_p: flags.judgeTopP,
        max_tokens: flags.judgeMaxTokens,
        parseMode: flags.parse,
        language: flags.language,
        reask: flags.reask,
        concurrency: flags.concurrency,
        onProgress: (done, total) => progress.onProgress("judge", done, total),
      });
      progress.stop();
      const metricsFile = writeComplexbenchOutputs(flags.outputDir, result, {
        pair_by: flags.pairBy,
        data_file: flags.data,
        responses_file: flags.responses ?? null,
        llm: models.stats(),
      });
      process.stdout.write(`${formatComplexbenchTable(result.metrics)}\n`);
      process.stdout.write(
        `LLM questions ${result.summary.llm_questions} (fallback answers ${result.summary.llm_fallback_answers}), ` +
          `rule questions ${result.summary.rule_questions} (errors ${result.summary.rule_errors}, no span ${result.summary.rule_empty_extractions})\n` +
          `written: ${metricsFile}\n`,
      );
      reportDryRun(models, flags.outputDir);
    } finally {
      progress.stop();
      models.close();
      lock.release();
    }
  });
}
