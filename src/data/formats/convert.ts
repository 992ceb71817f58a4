import { basename, extname } from "node:path";
import { writeFileAtomic } from "../../util/atomic.js";
import { DataError } from "../errors.js";
import { datasetInfoEntry } from "./llamafactory.js";
import { loadDataset, toKind } from "./load.js";
import type { TrlStyle } from "./trl.js";
import type { Dataset, Format } from "./types.js";
import { exportRows, serializeRows } from "./write.js";

export interface ConvertResult {
  /** The input's format (as given, or detected). */
  format: Format;
  /** The input's examples. */
  dataset: Dataset;
  /** The rows written. */
  rows: Record<string, unknown>[];
  /**
   * For alpaca and sharegpt outputs: the LLaMA-Factory `dataset_info.json` entry of the output file, keyed by the
   * dataset name, with `file_name` relative to the folder of the output (where dataset_info.json goes), so it can be
   * pasted into that file as it is.
   */
  datasetInfo?: Record<string, Record<string, unknown>>;
}

/**
 * `iopo convert`: write a dataset file (any format, detected unless `from` is given) in another format. IOPO groups
 * written to a pair format (dpo, trl, alpaca) become their DPO* pairs; to sft they become SFT* rows; preference
 * pairs to sft keep the chosen response. Only IOPO groups can be written as iopo.
 */
export function convertFile(
  input: string,
  output: string,
  to: Format,
  options: { from?: Format; style?: TrlStyle; name?: string } = {},
): ConvertResult {
  const { format, dataset } = loadDataset(input, options.from);
  const ds = to === "sft" || to === "trace" ? toKind(dataset, "sft") : dataset;
  if (to === "iopo" && ds.kind !== "group")
    throw new DataError(
      input,
      undefined,
      undefined,
      `holds ${ds.kind} examples; only IOPO groups can be written as iopo`,
    );
  const rows = exportRows(ds, to, { style: options.style, source: input });
  writeFileAtomic(output, serializeRows(output, rows));
  const file = basename(output);
  const datasetInfo =
    to === "alpaca" || to === "sharegpt"
      ? {
          [options.name ?? datasetName(output)]: datasetInfoEntry(
            file,
            to,
            ds.kind === "group" && to === "alpaca" ? "pair" : ds.kind,
            rows,
          ),
        }
      : undefined;
  return { format, dataset, rows, datasetInfo };
}

/**
 * `iopo export trl`: TRL preference rows (IOPO groups become their DPO* pairs; SFT datasets stay SFT rows), or with
 * `sft` TRL SFT rows (SFT* from groups, the chosen responses from pairs). Returns the number of rows written.
 */
export function exportTrlFile(
  input: string,
  output: string,
  options: { from?: Format; style?: TrlStyle; sft?: boolean } = {},
): number {
  const { dataset } = loadDataset(input, options.from);
  const rows = options.sft
    ? exportRows(toKind(dataset, "sft"), "sft", { source: input })
    : dataset.kind === "sft"
      ? exportRows(dataset, "sft", { style: options.style, source: input })
      : exportRows(toKind(dataset, "pair"), "trl", { style: options.style, source: input });
  writeFileAtomic(output, serializeRows(output, rows));
  return rows.length;
}

/** The dataset name LLaMA-Factory would know a file by: its name without the extension (`runs/x/dpo.json` -> `dpo`). */
export function datasetName(file: string): string {
  const base = basename(file);
  return base.slice(0, base.length - extname(base).length) || base;
}
