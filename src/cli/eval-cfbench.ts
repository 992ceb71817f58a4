import { type Command, Option } from "commander";
import { writeCfbenchOutputs } from "../eval/cfbench/outputs.js";
import { readCfbenchData, readCfbenchResponses } from "../eval/cfbench/record.js";
import { type CfbenchParseMode, formatCfbenchTable, runCfbench } from "../eval/cfbench/run.js";
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
import { floatOption, intOption } from "./options.js";
import {
  addForceUnlockOption,
  addOverwriteOption,
  lockRunFolder,
  type RunFolderFlags,
  refuseFinishedRun,
} from "./run-folder.js";

interface CfbenchFlags extends ModelFlags, RunFolderFlags {
  overwrite?: boolean;
  data: string;
  responses?: string;
  outputDir: string;
  progress: "auto" | "tty" | "json" | "none";
  parse: CfbenchParseMode;
  rounds: number;
  temperature?: number;
  topP?: number;
  maxTokens?: number;
  judgeTemperature: number;
  judgeTopP?: number;
  judgeMaxTokens?: number;
  concurrency: number;
}

/** `iopo eval cfbench`: CFBench CSR / ISR / PSR (Zhang et al. 2024) with the upstream judge protocol. */
export function register(program: Command): void {
  const cmd = evalGroup(program)
    .command("cfbench")
    .description("CFBench CSR/ISR/PSR: generate or load responses, judge them per checkpoint, score (easy/hard/all)")
    .requiredOption("--data <file>", "upstream data/cfbench_data.json (not shipped: no license upstream)")
    .option("--responses <file>", "existing responses: upstream <model>_infer.json or JSONL {idx, response}")
    .addOption(
      new Option("--parse <mode>", "judge output parsing: upstream-exact (strict + upstream fallback) or tolerant")
        .choices(["upstream-exact", "tolerant"])
        .default("upstream-exact"),
    )
    .option(
      "--rounds <n>",
      "judge rounds per item while the output does not parse (upstream: 10)",
      intOption({ min: 1 }),
      10,
    )
    .option(
      "--temperature <t>",
      "generation temperature (omitted when unset: upstream used model defaults)",
      floatOption({ min: 0 }),
    );
  addOutputDirOption(cmd, "output folder (results and metrics)");
  addGeneratorOptions(cmd);
  addProgressOption(cmd);
  addJudgeOptions(cmd, { temperature: 0.01 });
  addForceUnlockOption(addOverwriteOption(cmd));
  cmd.action(async (flags: CfbenchFlags) => {
    // held until the finally below, or (an early error) until the process exits
    const lock = lockRunFolder(flags.outputDir, flags);
    const records = readCfbenchData(flags.data);
    const responses = flags.responses ? readCfbenchResponses(flags.responses) : undefined;
    refuseFinishedRun(flags.outputDir, "cfbench_metrics.json", flags.overwrite);
    ensureDir(flags.outputDir);
    // A model folder runs in-process on the engine (chat template of the model, KV-cache decoding, batched).
    const engine = flags.modelDir ? new EngineChatModel(flags.modelDir) : undefined;
    const progress = evalProgress(flags.progress);
    const models = createEvalModels(flags, { onEvent: progress.onEvent });
    const judge = models.judge!;
    const generator = engine ?? models.generator;
    try {
      const result = await runCfbench({
        records,
        responses,
        generator,
        generation: {
          ...(flags.temperature !== undefined ? { temperature: flags.temperature } : {}),
          ...generationParams(flags),
        },
        judge: {
          model: judge,
          temperature: flags.judgeTemperature,
          top_p: flags.judgeTopP,
          max_tokens: flags.judgeMaxTokens,
        },
        parseMode: flags.parse,
        rounds: flags.rounds,
        concurrency: flags.concurrency,
        onProgress: (stage, done, total) => progress.onProgress(stage, done, total),
      });
      progress.stop();
      const metricsFile = writeCfbenchOutputs(flags.outputDir, result, {
        generator_model: generator?.model ?? null,
        data_file: flags.data,
        responses_file: flags.responses ?? null,
        llm: models.stats(),
      });
      process.stdout.write(`${formatCfbenchTable(result.scores)}\n`);
      const c = result.summary.judge_parsing_counts;
      process.stdout.write(
        `judge_parsing: strict ${c["1"]}, fallback ${c["0"]}, failed ${c["-1"]}` +
          (flags.parse === "tolerant"
            ? `; criteria without a score: ${result.summary.tolerant_missing_criteria}`
            : "") +
          `\nwritten: ${metricsFile}\n`,
      );
      reportDryRun(models, flags.outputDir);
    } finally {
      progress.stop();
      models.close();
      lock.release();
    }
  });
}
