import { join } from "node:path";
import { groupToDpoPairs, groupToSftExamples } from "../data/formats/expand.js";
import { exportRows } from "../data/formats/write.js";
import { readJsonl, writeJsonl } from "../data/jsonl.js";
import type { IopoGroup } from "../data/schemas.js";
import type { PipelineOptions, RunSummary } from "../stages/pipeline.js";
import { buildDpoPairs } from "./dpo-builder.js";
import { buildIopoGroups, type RationalityMode } from "./iopo-builder.js";
import { type PreparedRecords, readPairInputs } from "./records.js";

/**
 * The jobs of `iopo pairs`: DPO pairs (appendix C) or IOPO groups (appendix D) from TRACE records with full-score
 * responses, into a run folder: dpo_pairs.jsonl or iopo_groups.jsonl, rejects.jsonl, summary.json, stages/,
 * journal/, and inputs_not_full_score.jsonl (the records set aside because their verdict was not all-10).
 */
export type PairsJob = "dpo" | "iopo";

/** Read a job's input records; each record's verdict becomes `judge.chosen` (DPO) or `judge.y1_x1` (IOPO). */
export function readPairsJobInput(job: PairsJob, file: string): PreparedRecords {
  return readPairInputs(file, job === "dpo" ? "chosen" : "y1_x1");
}

export interface PairsJobOptions extends PipelineOptions {
  /** IOPO: also write the groups' DPO* pairs (dpo_star.jsonl) and SFT* rows (sft_star.jsonl), paper figures 4-5. */
  equaliseTokens?: boolean;
  /** IOPO: the reading of the rationality check (default group: at least one cross pair fails). */
  rationality?: RationalityMode;
  /** DPO: drop pairs whose worse answer the judge does not score lower (default off, as appendix C). */
  filterWorse?: boolean;
}

export async function runPairsJob(
  job: PairsJob,
  input: PreparedRecords,
  options: PairsJobOptions,
): Promise<{ summary: RunSummary; outFile: string; rejectsFile: string }> {
  const dir = options.outputDir;
  const { rows, notFullScore } = input;
  const pipeline: PairsJobOptions = {
    ...options,
    extraCounters: () => ({ ...options.extraCounters?.(), inputs_not_full_score: notFullScore.length }),
  };
  writeJsonl(join(dir, "inputs_not_full_score.jsonl"), notFullScore);
  const summary = job === "dpo" ? await buildDpoPairs(rows, pipeline) : await buildIopoGroups(rows, pipeline);
  const outFile = join(dir, job === "dpo" ? "dpo_pairs.jsonl" : "iopo_groups.jsonl");
  if (job === "iopo" && options.equaliseTokens) {
    const groups = readJsonl(outFile, undefined, { allowEmpty: true }).map((r) => r.value as IopoGroup);
    writeJsonl(join(dir, "dpo_star.jsonl"), exportRows({ kind: "pair", rows: groups.flatMap(groupToDpoPairs) }, "dpo"));
    writeJsonl(
      join(dir, "sft_star.jsonl"),
      exportRows({ kind: "sft", rows: groups.flatMap(groupToSftExamples) }, "sft"),
    );
  }
  return { summary, outFile, rejectsFile: join(dir, "rejects.jsonl") };
}
