import { existsSync } from "node:fs";
import { join } from "node:path";
import { type Command, Option } from "commander";
import { evalTrace } from "../eval/trace/evaluate.js";
import { type OfflineTraceJudge, rulesJudge } from "../eval/trace/offline-judge.js";
import { formatTraceTable } from "../eval/trace/run.js";
import { EngineChatModel } from "../model/engine-chat-model.js";
import { worldTraceJudge } from "../world/trace-judge.js";
import { addContextOptions, type ContextFlags } from "./context-options.js";
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

interface TraceFlags extends ModelFlags, RunFolderFlags, ContextFlags {
  overwrite?: boolean;
  data?: string;
  responses?: string;
  outputDir: string;
  judge: "llm" | "rules" | "world";
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
  seed: number;
  concurrency: number;
  progress: "auto" | "tty" | "json" | "none";
}

const OFFLINE_JUDGES: Record<"rules" | "world", OfflineTraceJudge> = { rules: rulesJudge, world: worldTraceJudge };

const HELP_AFTER = `
Judges (--judge):
  llm    the B.5 judge prompt on --judge-model at --judge-base-url (default), with the rule checks beside it
  rules  no endpoint: the hybrid judge's rule checks alone (src/judge/rules). A constraint with a full-coverage rule
         scores 10 or 0; a failing partial rule 0; any other constraint has no verdict. Items with a constraint
         without a verdict are left out of the rates and counted (metrics.json judge_coverage), never as followed.
  world  no endpoint: the constraint world's checker, for world records (iopo demo's eval set); a constraint that is
         not world language is an error naming the record and the constraint.

--limit N evaluates a sample of N records stratified by number of constraints, so that IF-S and IF-M (and every
constraint count) are represented: each count gets one record, the rest is shared in proportion to the counts' sizes;
within a count records are ranked by a hash of (--seed, id), so the sample is deterministic and independent of the
file's order; it is evaluated in data order. --ids picks exact records (with --limit: a sample of them).
`;

/** `iopo eval trace`: TRACE IF / IF-S / IF-M (IOPO paper eq. 3) with an LLM judge or an offline one. */
export function register(program: Command): void {
  const cmd = evalGroup(program)
    .command("trace")
    .description("TRACE IF-S/IF-M: generate or load responses, judge each constraint (LLM 0-10, or offline rules)")
    .option("--data <file>", "TRACE records JSONL (default: the bundled 1,042-record evaluation set)")
    .option("--responses <file>", "existing responses: JSONL {id, response} (e.g. `iopo generate` output)");
  addOutputDirOption(cmd, "output folder (results.jsonl, metrics.json, hybrid_disagreements.jsonl)");
  cmd
    .addOption(
      new Option("--judge <judge>", "llm (B.5 prompt on --judge-model), rules or world (offline, no endpoint)")
        .choices(["llm", "rules", "world"])
        .default("llm"),
    )
    .option("--temperature <t>", "generation temperature (paper: vLLM at 0.1)", floatOption({ min: 0 }), 0.1)
    .option("--reask <n>", "extra judge calls when the judge output does not parse", intOption({ min: 0 }), 0)
    .option("--no-rules", "do not run the rule checks of the hybrid judge")
    .option("--limit <n>", "evaluate a sample of n records stratified by number of constraints", intOption({ min: 1 }))
    .option("--ids <list>", "evaluate only these comma-separated record ids")
    .option("--seed <n>", "seed of the --limit sample", intOption({ min: 0 }), 0);
  addGeneratorOptions(cmd);
  addJudgeOptions(cmd, { temperature: 0, top_p: 0.8 });
  addContextOptions(cmd, {
    maxLength:
      "with --model-dir: token limit per record, prompt + generated (default and upper bound: its " +
      "max_position_embeddings)",
    onOverlong:
      "with --model-dir, a record whose prompt leaves no room to generate: skip (left out of the metrics, " +
      "listed in metrics.json), truncate (keep_start, assistant header kept) or error",
  });
  addForceUnlockOption(addOverwriteOption(cmd));
  addProgressOption(cmd);
  cmd.addHelpText("after", HELP_AFTER);
  cmd.action(async (flags: TraceFlags) => {
    // held until the finally below, or (an early error) until the process exits
    const lock = lockRunFolder(flags.outputDir, flags);
    // `--model DIR` (a Hugging Face folder) means the in-process engine, as in `eval ifeval`; a name means an endpoint.
    if (flags.model && !flags.modelDir && existsSync(join(flags.model, "config.json"))) {
      flags.modelDir = flags.model;
      flags.model = undefined;
    }
    if (flags.modelDir && flags.model)
      throw new UsageError("give --model NAME (endpoint) or --model-dir DIR, not both");
    refuseFinishedRun(flags.outputDir, "metrics.json", flags.overwrite);
    const offline = flags.judge === "llm" ? undefined : OFFLINE_JUDGES[flags.judge];
    // A model folder runs in-process on the engine (chat template of the model, KV-cache decoding, batched); every
    // record it answers is checked against its context first.
    const engine = flags.modelDir
      ? new EngineChatModel(flags.modelDir, {
          maxLength: flags.maxLength,
          onOverlong: flags.onOverlong === "error" ? "error" : "truncate",
        })
      : undefined;
    const progress = evalProgress(flags.progress);
    const models = createEvalModels(flags, { judge: offline === undefined, onEvent: progress.onEvent });
    const generator = engine ?? models.generator;
    try {
      const { result, metricsFile } = await evalTrace({
        dataFile: flags.data,
        responsesFile: flags.responses,
        ids: flags.ids,
        limit: flags.limit,
        seed: flags.seed,
        generator,
        generation: { temperature: flags.temperature, ...generationParams(flags) },
        ...(offline ? { offlineJudge: offline } : { judge: models.judge }),
        judgeTemperature: flags.judgeTemperature,
        judgeTopP: flags.judgeTopP,
        judgeMaxTokens: flags.judgeMaxTokens,
        reask: flags.reask,
        rules: flags.rules,
        concurrency: flags.concurrency,
        ...(engine
          ? {
              contextCheck: {
                engine,
                maxTokens: flags.maxTokens ?? 512,
                policy: flags.onOverlong,
                onChecked: (check, summary) => {
                  for (const w of check.warnings) process.stderr.write(`iopo eval trace: warning: ${w}\n`);
                  if (summary) process.stderr.write(`iopo eval trace: ${summary}\n`);
                },
              },
            }
          : {}),
        onStart: (stage, total) => progress.begin(stage, total),
        onProgress: (stage, done, total) => progress.onProgress(stage, done, total),
        outputDir: flags.outputDir,
        // Counters once the run is done: the judge's and the generator's usage in separate blocks.
        provenance: () => ({
          ...(flags.modelDir ? { generator_model_dir: flags.modelDir } : {}),
          llm: models.stats(),
        }),
      });
      progress.stop();
      process.stdout.write(`${formatTraceTable(result.metrics)}\n`);
      const p = result.provenance;
      process.stdout.write(
        (offline
          ? `judge ${p.judge} (offline)`
          : `judge ${p.judge_model} (temperature ${p.judge_temperature}, top_p ${p.judge_top_p ?? "unset"}, ` +
            `prompt ${p.judge_template_hash?.zh}, kit ${p.judge_kit})`) + `\nwritten: ${metricsFile}\n`,
      );
      reportDryRun(models, flags.outputDir);
    } finally {
      progress.stop();
      models.close();
      lock.release();
    }
  });
}
