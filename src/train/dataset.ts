import { DataError } from "../data/errors.js";
import { groupToDpoPairs, groupToInputPairs } from "../data/formats/expand.js";
import { loadDataset, toKind } from "../data/formats/load.js";
import type { Dataset } from "../data/formats/types.js";
import type { TrainConfig } from "./config.js";
import { isAblation, type Method, methodDataKind, trainingLossMethod } from "./losses/index.js";
import { isOnlineMethod, isRolloutMethod, type TrainMethod } from "./online/config.js";
import { trainValSplit } from "./rng.js";

export interface TrainingData {
  /** Format the file was read as (detected or `dataset_format`). */
  format: string;
  /** Kind of the file's rows before conversion. */
  sourceKind: Dataset["kind"];
  train: Dataset;
  eval: Dataset;
}

function subset(ds: Dataset, idx: readonly number[]): Dataset {
  return { kind: ds.kind, rows: idx.map((i) => ds.rows[i]) } as Dataset;
}

/**
 * The method whose loss and sequences the trainer uses for `cfg` (the ablations on separate pairs train as DPO; the
 * online methods are their own).
 */
export function trainingMethod(cfg: { method: Method; ablation_pairs: TrainConfig["ablation_pairs"] }): Method;
export function trainingMethod(cfg: Pick<TrainConfig, "method" | "ablation_pairs">): TrainMethod;
export function trainingMethod(cfg: Pick<TrainConfig, "method" | "ablation_pairs">): TrainMethod {
  return isOnlineMethod(cfg.method) ? cfg.method : trainingLossMethod(cfg.method, cfg.ablation_pairs);
}

/**
 * Load the training file for a method: IOPO-family methods need groups; DPO/SimPO/ORPO and the reward model take
 * pairs (groups become their DPO* pairs); SFT takes SFT rows (groups -> SFT*, pairs -> chosen). The Table 4 ablations
 * on separate pairs (the default) take each group's two pairs as two examples: its output pairs (DPO*) for
 * `iopo_output_only`, its input pairs for `iopo_input_only`. Then the seeded `val_size` split.
 */
export function loadTrainingData(cfg: TrainConfig): TrainingData {
  const { format, dataset } = loadDataset(cfg.dataset, cfg.dataset_format);
  if (isRolloutMethod(cfg.method))
    throw new Error(
      `method ${cfg.method} trains on prompts: read them with loadPromptData (src/train/online/prompts.ts)`,
    );
  // the reward model trains on preference pairs (IOPO groups give their two pairs, DPO*)
  const kind = cfg.method === "rm" ? "pair" : methodDataKind(cfg.method);
  let ds: Dataset;
  try {
    ds = toKind(dataset, kind);
  } catch (err) {
    throw new DataError(cfg.dataset, undefined, undefined, `method ${cfg.method}: ${(err as Error).message}`);
  }
  if (cfg.method !== "rm" && isAblation(cfg.method) && cfg.ablation_pairs === "separate" && ds.kind === "group") {
    const split = cfg.method === "iopo_output_only" ? groupToDpoPairs : groupToInputPairs;
    ds = { kind: "pair", rows: ds.rows.flatMap(split) };
  }
  const split = trainValSplit(ds.rows.length, cfg.val_size, cfg.seed);
  return { format, sourceKind: dataset.kind, train: subset(ds, split.train), eval: subset(ds, split.val) };
}
