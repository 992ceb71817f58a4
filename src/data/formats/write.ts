import { toJsonl } from "../jsonl.js";
import { groupToDpoPairs } from "./expand.js";
import {
  exportAlpacaPair,
  exportAlpacaSft,
  exportShareGptGroup,
  exportShareGptPair,
  exportShareGptSft,
} from "./llamafactory.js";
import { exportSftRow, exportTraceRow } from "./project.js";
import { exportTrlPreference, type TrlStyle } from "./trl.js";
import type { Dataset, Format } from "./types.js";

export interface ExportOptions {
  /** TRL row style (trl format only). */
  style?: TrlStyle;
  /** Name used in error messages for rows (the output's source). */
  source?: string;
}

/**
 * Rows of a dataset in an on-disk format. IOPO groups written to a pair-only format (dpo, trl, alpaca) become
 * their two DPO* pairs ("unpair"); sharegpt and iopo keep groups.
 */
export function exportRows(ds: Dataset, format: Format, options: ExportOptions = {}): Record<string, unknown>[] {
  const source = options.source ?? "<dataset>";
  const src = (i: number) => ({ file: source, line: i + 1 });
  if (ds.kind === "group") {
    if (format === "iopo") return ds.rows.map((g) => ({ ...g }));
    if (format === "sharegpt") return ds.rows.map((g, i) => exportShareGptGroup(g, src(i)));
    if (format === "sft" || format === "trace")
      throw new Error(`IOPO groups -> ${format}: convert with SFT* expansion first (toKind)`);
    return exportRows({ kind: "pair", rows: ds.rows.flatMap(groupToDpoPairs) }, format, options);
  }
  if (ds.kind === "pair") {
    switch (format) {
      case "dpo":
        return ds.rows.map((p, i) => exportTrlPreference(p, "conversational", src(i)));
      case "trl":
        return ds.rows.map((p, i) => exportTrlPreference(p, options.style ?? "conversational", src(i)));
      case "alpaca":
        return ds.rows.map((p, i) => exportAlpacaPair(p, src(i)));
      case "sharegpt":
        return ds.rows.map((p, i) => exportShareGptPair(p, src(i)));
      default:
        throw new Error(`preference pairs cannot be written as "${format}"`);
    }
  }
  switch (format) {
    case "sft":
      return ds.rows.map(exportSftRow);
    case "trace":
      return ds.rows.map(exportTraceRow);
    case "alpaca":
      return ds.rows.map((r, i) => exportAlpacaSft(r, src(i)));
    case "sharegpt":
      return ds.rows.map((r, i) => exportShareGptSft(r, src(i)));
    default:
      throw new Error(`SFT rows cannot be written as "${format}"`);
  }
}

/** File text: a JSON array (LLaMA-Factory's usual layout) for `.json` paths, JSONL otherwise. */
export function serializeRows(path: string, rows: readonly unknown[]): string {
  return path.endsWith(".json") ? `${JSON.stringify(rows, null, 2)}\n` : toJsonl(rows);
}
