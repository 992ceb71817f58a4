import { DataError } from "../data/errors.js";
import { loadDataset, toKind } from "../data/formats/load.js";
import type { Dataset } from "../data/formats/types.js";
import type { TrainConfig } from "./config.js";
import { methodDataKind } from "./losses/index.js";
import { isRolloutMethod } from "./online/config.js";
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
 * Load the training file for a method: IOPO-family methods need groups; DPO/SimPO/ORPO and the reward model take
 * pairs (groups become their DPO* pairs); SFT takes SFT rows (groups -> SFT*, pairs -> chosen). Then the seeded `val_size` split.
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
  const split = trainValSplit(ds.rows.length, cfg.val_size, cfg.seed);
  return { format, sourceKind: dataset.kind, train: subset(ds, split.train), eval: subset(ds, split.val) };
}
