import { loadTrainConfig } from "../../../src/train/config.js";
import { loadTrainingData } from "../../../src/train/dataset.js";

/** The training data `iopo train` would read for `method` from `dataset` (no model needed). */
export function loadTrainTrainingData(dataset: string, method: string) {
  const args = ["--model_name_or_path", "m", "--dataset", dataset, "--method", method];
  return loadTrainingData(loadTrainConfig(undefined, [...args, "--output_dir", "o", "--val_size", "0"]));
}
