import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import type { Command } from "commander";
import { defaultJudgeKit } from "../eval/trace/judge-kit.js";
import { selectTraceRecords, writeTraceOutputs } from "../eval/trace/outputs.js";
import { readTraceData, readTraceResponses } from "../eval/trace/responses.js";
import { formatTraceTable, runTrace } from "../eval/trace/run.js";
import { EngineChatModel } from "../model/engine-chat-model.js";
import { BUNDLED_TRACE_EVALUATION } from "../trace/stats.js";
import {
  addGeneratorOptions,
  addJudgeOptions,
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

interface TraceFlags extends ModelFlags, RunFolderFlags {
  overwrite?: boolean;
  data?: string;
  responses?: string;
  modelDir?: string;
  out: string;
  temperature: number;
  topP?: number;
  maxTokens?: number;
  judgeTemperature: number;
  judgeTopP?: number;
  judgeMaxTokens?: number;
  reask: number;
  rules: boolean;
  limit?: number;
  ids?: string;
  concurrency: number;
}

/** `iopo eval trace`: TRACE IF / IF-S / IF-M (IOPO paper eq. 3) with an LLM judge and rule checks beside it. */
export function register(program: Command): void {
  const cmd = evalGroup(program)
    .command("trace")
    .description("TRACE IF-S/IF-M: generate or load responses, judge each constraint (0-10), rule checks beside")
    .option("--data <file>", "TRACE evaluation JSONL (default: the bundled 1,042-record evaluation set)")
    .option("--responses <file>", "existing responses: JSONL {id, response}")
    .option(
      "--model-dir <dir>",
      "generate with the in-process engine from a Hugging Face model folder (also: --model DIR)",
    )
    .requiredOption("--out <dir>", "output folder (results.jsonl, metrics.json, hybrid_disagreements.jsonl)")
    .option("--temperature <t>", "generation temperature (paper: vLLM at 0.1)", floatOption({ min: 0 }), 0.1)
    .option("--reask <n>", "extra judge calls when the judge output does not parse", intOption({ min: 0 }), 0)
    .option("--no-rules", "do not run the rule checks of the hybrid judge")
    .option("--limit <n>", "evaluate only the first n records", intOption({ min: 1 }))
    .option("--ids <list>", "evaluate only these comma-separated record ids");
  addGeneratorOptions(cmd);
  addJudgeOptions(cmd, { temperature: 0, top_p: 0.8 });
  addForceUnlockOption(addOverwriteOption(cmd));
  cmd.action(async (flags: TraceFlags) => {
    // held until the finally below, or (an early error) until the process exits
    const lock = lockRunFolder(flags.out, flags);
    // `--model DIR` (a Hugging Face folder) means the in-process engine, as in `eval ifeval`; a name means an endpoint.
    if (flags.model && !flags.modelDir && existsSync(join(flags.model, "config.json"))) {
      flags.modelDir = flags.model;
      flags.model = undefined;
    }
    const dataFile = flags.data ?? BUNDLED_TRACE_EVALUATION;
    const all = readTraceData(dataFile);
    const records = selectTraceRecords(all, { ids: flags.ids, limit: flags.limit });
    const responses = flags.responses ? readTraceResponses(flags.responses, new Set(all.map((r) => r.id))) : undefined;
    refuseFinishedRun(flags.out, "metrics.json", flags.overwrite);
    mkdirSync(flags.out, { recursive: true });
    const models = createEvalModels(flags);
    const { judge } = models;
    // A model folder runs in-process on the engine (chat template of the model, KV-cache decoding, batched).
    const generator = flags.modelDir ? new EngineChatModel(flags.modelDir) : models.generator;
    const progress = evalProgress();
    try {
      const result = await runTrace({
        records,
        responses,
        generator,
        generation: {
          temperature: flags.temperature,
          ...generationParams(flags),
        },
        judge,
        judgeTemperature: flags.judgeTemperature,
        judgeTopP: flags.judgeTopP,
        judgeMaxTokens: flags.judgeMaxTokens,
        reask: flags.reask,
        kit: defaultJudgeKit,
        rules: flags.rules,
        concurrency: flags.concurrency,
        onProgress: (stage, done, total) => progress.onProgress(stage, done, total),
      });
      progress.stop();
      const metricsFile = writeTraceOutputs(flags.out, records, result, {
        data_file: dataFile,
        responses_file: flags.responses ?? null,
        llm: models.stats(),
      });
      process.stdout.write(`${formatTraceTable(result.metrics)}\n`);
      process.stdout.write(
        `judge ${result.provenance.judge_model} (temperature ${result.provenance.judge_temperature}, top_p ${result.provenance.judge_top_p ?? "unset"}, ` +
          `prompt ${result.provenance.judge_template_hash.zh}, kit ${result.provenance.judge_kit})\nwritten: ${metricsFile}\n`,
      );
      reportDryRun(models, flags.out);
    } finally {
      progress.stop();
      models.close();
      lock.release();
    }
  });
}
