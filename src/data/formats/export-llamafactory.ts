import { existsSync } from "node:fs";
import { join } from "node:path";
import { writeFileAtomic } from "../../util/atomic.js";
import { DataError } from "../errors.js";
import { readUtf8 } from "../jsonl.js";
import { IOPO_FORK_PATCH, IOPO_FORK_PATCH_FILE } from "./iopo-fork-patch.js";
import { datasetInfoEntry } from "./llamafactory.js";
import { toKind } from "./load.js";
import type { Dataset } from "./types.js";
import { exportRows, serializeRows } from "./write.js";

export interface LlamaFactoryExportOptions {
  outputDir: string;
  /**
   * Dataset name in dataset_info.json. Default: `trace_iopo` (the official name) for IOPO groups, `trace_dpo` for
   * preference pairs.
   */
  name?: string;
  /** Model path written into the YAML configs. */
  model?: string;
  /** Also write DPO rows (the groups' DPO* pairs) and a `stage: dpo` config. Implied for preference pairs. */
  dpo?: boolean;
  dpoFormatting?: "alpaca" | "sharegpt";
  /** LLaMA-Factory chat template name (the paper used qwen). */
  template?: string;
}

export interface LlamaFactoryExportResult {
  files: string[];
  rows: number;
  dpoRows?: number;
  /** The dataset_info.json entries written, by dataset name. */
  datasets: string[];
}

export const DEFAULT_IOPO_DATASET = "trace_iopo";
export const DEFAULT_DPO_DATASET = "trace_dpo";

/**
 * Write what LLaMA-Factory's (and the official IOPO fork's) trainer reads, into one folder that is also where the
 * trainer runs (`cd DIR && llamafactory-cli train <name>_iopo.yaml`; `dataset_dir: .`):
 * - IOPO groups: `<name>.json` with the sharegpt ranking rows exactly as the official IOPO stage reads them, a YAML
 *   config with the paper's settings, and `iopo-fork.patch`, what the official fork needs to run them (see
 *   iopo-fork-patch.ts); with `dpo` also the groups' DPO* pairs (`<name>_dpo.json`) and a `stage: dpo` config;
 * - preference pairs: `<name>.json` (default name `trace_dpo`) and a `stage: dpo` config for stock LLaMA-Factory;
 * plus the `dataset_info.json` entries (merged into an existing file). Files are written atomically.
 */
export function exportLlamaFactory(ds: Dataset, o: LlamaFactoryExportOptions): LlamaFactoryExportResult {
  const files: string[] = [];
  const info: Record<string, unknown> = {};
  const result: LlamaFactoryExportResult = { files, rows: 0, datasets: [] };
  const write = (file: string, text: string) => {
    writeFileAtomic(join(o.outputDir, file), text);
    files.push(join(o.outputDir, file));
  };
  let dpoName: string;
  if (ds.kind === "group") {
    const name = o.name ?? DEFAULT_IOPO_DATASET;
    const file = `${name}.json`;
    const rows = exportRows(ds, "sharegpt", { source: file });
    write(file, serializeRows(file, rows));
    info[name] = datasetInfoEntry(file, "sharegpt", "group", rows);
    write(`${name}_iopo.yaml`, llamaFactoryConfig("iopo", name, o));
    write(IOPO_FORK_PATCH_FILE, IOPO_FORK_PATCH);
    result.rows = rows.length;
    dpoName = `${name}_dpo`;
  } else if (ds.kind === "pair") {
    dpoName = o.name ?? DEFAULT_DPO_DATASET;
  } else {
    throw new Error("the input holds SFT rows; LLaMA-Factory IOPO/DPO export needs IOPO groups or preference pairs");
  }
  if (o.dpo || ds.kind === "pair") {
    const pairs = toKind(ds, "pair");
    const formatting = o.dpoFormatting ?? "sharegpt";
    const file = `${dpoName}.json`;
    const rows = exportRows(pairs, formatting, { source: file });
    write(file, serializeRows(file, rows));
    info[dpoName] = datasetInfoEntry(file, formatting, "pair", rows);
    write(`${dpoName}.yaml`, llamaFactoryConfig("dpo", dpoName, o, ds.kind === "group"));
    result.dpoRows = rows.length;
  }
  const infoFile = join(o.outputDir, "dataset_info.json");
  let existing: Record<string, unknown> = {};
  if (existsSync(infoFile)) {
    try {
      existing = JSON.parse(readUtf8(infoFile, "a JSON file"));
    } catch (err) {
      throw new DataError(
        infoFile,
        undefined,
        undefined,
        `existing file is not valid JSON (${(err as Error).message})`,
      );
    }
  }
  writeFileAtomic(infoFile, `${JSON.stringify({ ...existing, ...info }, null, 2)}\n`);
  files.push(infoFile);
  result.datasets = Object.keys(info);
  return result;
}

/**
 * A LLaMA-Factory training YAML. `iopo`: the paper's recipe (official examples/qwen2_lora_iopo.yaml) for the official
 * fork; `dpo`: stock LLaMA-Factory DPO with the same settings (the paper's DPO baseline), on preference pairs or, with
 * `fromGroups`, on the groups' DPO* pairs. Meant to be run from the folder that holds it and dataset_info.json.
 */
export function llamaFactoryConfig(
  stage: "iopo" | "dpo",
  dataset: string,
  o: Pick<LlamaFactoryExportOptions, "model" | "template">,
  fromGroups = false,
): string {
  const model = o.model ?? "path/to/your/trace-sft-model";
  const yamlFile = stage === "iopo" ? `${dataset}_iopo.yaml` : `${dataset}.yaml`;
  const header =
    stage === "iopo"
      ? [
          "# LLaMA-Factory config written by `iopo export llamafactory`: the paper's IOPO recipe (Zhang et al. 2024,",
          "# section 6; the official examples/qwen2_lora_iopo.yaml) for the official IOPO fork of LLaMA-Factory",
          "# (AlibabaResearch/DAMO-ConvAI, folder IOPO/Method-IOPO), patched with iopo-fork.patch from this folder:",
          "#   cd DAMO-ConvAI/IOPO/Method-IOPO && git apply /path/to/this/folder/iopo-fork.patch",
          '#   pip install -e ".[torch,metrics,deepspeed]"',
          `#   cd /path/to/this/folder && llamafactory-cli train ${yamlFile}`,
          "# With several GPUs visible, llamafactory-cli starts torchrun itself (one process per GPU).",
        ]
      : [
          "# LLaMA-Factory config written by `iopo export llamafactory`: DPO (stock LLaMA-Factory `stage: dpo`) on",
          fromGroups
            ? "# the IOPO groups' DPO* pairs (x1: y1 > y2 and x2: y2 > y1), the token-equalised baseline of the paper."
            : "# preference pairs (chosen > rejected), with the paper's DPO-baseline settings.",
          '#   pip install -e ".[torch,metrics,deepspeed]"      (in a LLaMA-Factory checkout)',
          `#   cd /path/to/this/folder && llamafactory-cli train ${yamlFile}`,
          "# With several GPUs visible, llamafactory-cli starts torchrun itself (one process per GPU).",
        ];
  const beta = stage === "iopo" ? "beta of eq. 9" : "beta of the DPO loss";
  const cutoff =
    stage === "iopo"
      ? "all four sequences of a group share one prompt/response budget"
      : "prompt + response budget of both sequences";
  return [
    ...header,
    "",
    "### model",
    `model_name_or_path: ${model}   # the SFT model to start from (the paper: Qwen2-7B after SFT on TRACE)`,
    "",
    "### method",
    `stage: ${stage}`,
    "do_train: true",
    "finetuning_type: lora",
    "lora_target: all            # LoRA on every linear module",
    `pref_beta: 0.1              # ${beta}`,
    "pref_loss: sigmoid          # -log sigma(beta * logits)",
    "# deepspeed: examples/deepspeed/ds_z3_offload_config.json   # ZeRO-3 offload as in the paper (path in the checkout)",
    "",
    "### dataset",
    `dataset: ${dataset}`,
    "dataset_dir: .              # this folder (dataset_info.json): run llamafactory-cli from here",
    `template: ${o.template ?? "qwen"}`,
    `cutoff_len: 6000            # ${cutoff}`,
    "overwrite_cache: true",
    "preprocessing_num_workers: 16",
    "",
    "### output",
    `output_dir: saves/${dataset}/lora/${stage}`,
    "logging_steps: 10",
    "save_steps: 500",
    "plot_loss: true",
    "overwrite_output_dir: true",
    "",
    "### train",
    "per_device_train_batch_size: 1",
    "gradient_accumulation_steps: 8   # effective batch 8 per device",
    "learning_rate: 5.0e-6",
    "num_train_epochs: 3.0",
    "lr_scheduler_type: cosine",
    "warmup_ratio: 0.1",
    "bf16: true",
    "ddp_timeout: 180000000",
    "",
    "### eval",
    "val_size: 0.1",
    "per_device_eval_batch_size: 1",
    "eval_strategy: steps",
    "eval_steps: 500",
    "",
  ].join("\n");
}
