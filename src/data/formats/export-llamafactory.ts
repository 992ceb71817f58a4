import { existsSync } from "node:fs";
import { basename, join } from "node:path";
import { writeFileAtomic } from "../../util/atomic.js";
import { DataError } from "../errors.js";
import { readUtf8 } from "../jsonl.js";
import { datasetInfoEntry } from "./llamafactory.js";
import { toKind } from "./load.js";
import type { Dataset } from "./types.js";
import { exportRows, serializeRows } from "./write.js";

export interface LlamaFactoryExportOptions {
  outputDir: string;
  /** Dataset name in dataset_info.json (the official one is `trace_iopo`). */
  name: string;
  /** Model path written into the YAML configs. */
  model?: string;
  /** Also write DPO rows (the groups' DPO* pairs) and a `stage: dpo` config. */
  dpo?: boolean;
  dpoFormatting?: "alpaca" | "sharegpt";
  /** LLaMA-Factory chat template name (the paper used qwen). */
  template?: string;
}

export interface LlamaFactoryExportResult {
  files: string[];
  rows: number;
  dpoRows?: number;
}

/**
 * Write what LLaMA-Factory's (and the official IOPO fork's) trainer reads for a dataset of IOPO groups:
 * `<name>.json` with the sharegpt ranking rows exactly as the official IOPO stage reads them, the
 * `dataset_info.json` entry (merged into an existing file), a YAML config with the paper's settings, and with
 * `dpo` the groups' DPO* pairs for LLaMA-Factory's `dpo` stage plus its config. Files are written atomically.
 */
export function exportLlamaFactory(ds: Dataset, o: LlamaFactoryExportOptions): LlamaFactoryExportResult {
  const files: string[] = [];
  const info: Record<string, unknown> = {};
  const result: LlamaFactoryExportResult = { files, rows: 0 };
  if (ds.kind === "group") {
    const rows = exportRows(ds, "sharegpt", { source: `${o.name}.json` });
    const file = `${o.name}.json`;
    writeFileAtomic(join(o.outputDir, file), serializeRows(file, rows));
    files.push(join(o.outputDir, file));
    info[o.name] = datasetInfoEntry(file, "sharegpt", "group", rows);
    const yaml = join(o.outputDir, `${o.name}_iopo.yaml`);
    writeFileAtomic(yaml, llamaFactoryConfig("iopo", o.name, o));
    files.push(yaml);
    result.rows = rows.length;
  } else if (ds.kind === "pair") {
    if (!o.dpo) throw new Error("the input holds preference pairs, not IOPO groups: only --dpo output is possible");
  } else {
    throw new Error("the input holds SFT rows; LLaMA-Factory IOPO/DPO export needs IOPO groups or preference pairs");
  }
  if (o.dpo) {
    const pairs = toKind(ds, "pair");
    const formatting = o.dpoFormatting ?? "sharegpt";
    const name = `${o.name}_dpo`;
    const file = `${name}.json`;
    const rows = exportRows(pairs, formatting, { source: file });
    writeFileAtomic(join(o.outputDir, file), serializeRows(file, rows));
    files.push(join(o.outputDir, file));
    info[name] = datasetInfoEntry(file, formatting, "pair", rows);
    const yaml = join(o.outputDir, `${name}.yaml`);
    writeFileAtomic(yaml, llamaFactoryConfig("dpo", name, o));
    files.push(yaml);
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
  return result;
}

/** A LLaMA-Factory training YAML mirroring the paper's IOPO recipe (official examples/qwen2_lora_iopo.yaml). */
export function llamaFactoryConfig(stage: "iopo" | "dpo", dataset: string, o: LlamaFactoryExportOptions): string {
  const model = o.model ?? "path/to/your/trace-sft-model";
  const stageNote =
    stage === "iopo"
      ? [
          "# stage iopo: the official IOPO fork of LLaMA-Factory (AlibabaResearch/DAMO-ConvAI, IOPO/Method-IOPO).",
          "# Known issues of the release, to patch before running it: data/preprocess.py routes the four-sequence",
          '# preprocessing only for stage "cipo" (rename it to "iopo"), and the sharegpt aligner rejects two',
          "# consecutive human turns, which every IOPO ranking row has.",
        ]
      : ["# stage dpo: stock LLaMA-Factory DPO on the groups' DPO* pairs (x1: y1 > y2, x2: y2 > y1)."];
  return [
    `# LLaMA-Factory config written by \`iopo export llamafactory\` (paper settings: Zhang et al. 2024, section 6).`,
    ...stageNote,
    `#   llamafactory-cli train ${basename(dataset)}${stage === "iopo" ? "_iopo" : ""}.yaml`,
    "",
    "### model",
    `model_name_or_path: ${model}   # the paper starts from Qwen2-7B after SFT on TRACE`,
    "",
    "### method",
    `stage: ${stage}`,
    "do_train: true",
    "finetuning_type: lora",
    "lora_target: all            # LoRA on every linear module",
    "pref_beta: 0.1              # beta of eq. 9",
    "pref_loss: sigmoid          # -log sigma(beta * logits)",
    "# deepspeed: examples/deepspeed/ds_z3_offload_config.json   # the paper used ZeRO-3 offload",
    "",
    "### dataset",
    `dataset: ${dataset}`,
    "dataset_dir: .              # the folder holding dataset_info.json",
    `template: ${o.template ?? "qwen"}`,
    "cutoff_len: 6000            # all sequences of a group are truncated with the same prompt/response budget",
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
