import { existsSync } from "node:fs";
import { join } from "node:path";
import { type Command, Option } from "commander";
import { checkTraceContext, type TraceContextCheck } from "../eval/trace/context-check.js";
import { defaultJudgeKit } from "../eval/trace/judge-kit.js";
import { selectTraceRecords, writeTraceOutputs } from "../eval/trace/outputs.js";
import { readTraceData, readTraceResponses } from "../eval/trace/responses.js";
import { formatTraceTable, runTrace } from "../eval/trace/run.js";
import { DEFAULT_OVERLONG_POLICY, OVERLONG_POLICIES, type OverlongPolicy } from "../model/context-fit.js";
import { EngineChatModel } from "../model/engine-chat-model.js";
import { BUNDLED_TRACE_EVALUATION } from "../trace/stats.js";
import { ensureDir } from "../util/path-error.js";
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
  maxLength?: number;
  onOverlong: OverlongPolicy;
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
    .option("--ids <list>", "evaluate only these comma-separated record ids")
    .option(
      "--max-length <n>",
      "with a model folder: token limit per record, prompt + generated (default and upper bound: its " +
        "max_position_embeddings)",
      intOption({ min: 1 }),
    )
    .addOption(
      new Option(
        "--on-overlong <policy>",
        "with a model folder, a record whose prompt leaves no room to generate: skip (left out of the metrics, " +
          "listed in metrics.json), truncate (keep_start, assistant header kept) or error",
      )
        .choices(OVERLONG_POLICIES)
        .default(DEFAULT_OVERLONG_POLICY),
    );
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
    let records = selectTraceRecords(all, { ids: flags.ids, limit: flags.limit });
    const responses = flags.responses ? readTraceResponses(flags.responses, new Set(all.map((r) => r.id))) : undefined;
    refuseFinishedRun(flags.out, "metrics.json", flags.overwrite);
    // A model folder runs in-process on the engine (chat template of the model, KV-cache decoding, batched); every
    // record it answers is checked against its context first.
    const engine = flags.modelDir
      ? new EngineChatModel(flags.modelDir, {
          maxLength: flags.maxLength,
          onOverlong: flags.onOverlong === "error" ? "error" : "truncate",
        })
      : undefined;
    let contextCheck: TraceContextCheck | undefined;
    if (engine) {
      const checked = checkTraceContext(engine, records, new Set(responses?.keys() ?? []), {
        dataFile,
        maxTokens: flags.maxTokens ?? 512,
        policy: flags.onOverlong,
      });
      for (const w of checked.check.warnings) process.stderr.write(`iopo eval trace: warning: ${w}\n`);
      if (checked.summary) process.stderr.write(`iopo eval trace: ${checked.summary}\n`);
      records = checked.records;
      contextCheck = checked.check;
    }
    ensureDir(flags.out);
    const models = createEvalModels(flags);
    const { judge } = models;
    const generator = engine ?? models.generator;
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
        ...(contextCheck ? { context_check: contextCheck } : {}),
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
