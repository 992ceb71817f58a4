import { DataError } from "../errors.js";
import { readJsonOrJsonl } from "../jsonl.js";
import type { IopoGroup } from "../schemas.js";
import { detectFormat } from "./detect.js";
import { groupToDpoPairs, groupToSftExamples, pairToSftExample } from "./expand.js";
import { importAlpaca, importShareGpt } from "./llamafactory.js";
import { importIopoGroup, importSftRow, importTraceRecord } from "./project.js";
import { importTrlPreference } from "./trl.js";
import type { Dataset, DatasetKind, Format, PreferencePair, RowSource, SftExample } from "./types.js";

/** Import one row of a known format into an in-memory example. */
export function importRow(
  format: Format,
  value: unknown,
  src: RowSource,
): { kind: "group"; row: IopoGroup } | { kind: "pair"; row: PreferencePair } | { kind: "sft"; row: SftExample } {
  switch (format) {
    case "iopo":
      return { kind: "group", row: importIopoGroup(value, src) };
    case "dpo":
    case "trl":
      return { kind: "pair", row: importTrlPreference(value, src) };
    case "sft":
      return { kind: "sft", row: importSftRow(value, src) };
    case "trace":
      return { kind: "sft", row: importTraceRecord(value, src) };
    case "alpaca":
      return importAlpaca(value, src);
    case "sharegpt":
      return importShareGpt(value, src);
  }
}

/**
 * Read a dataset file (JSONL or a JSON array) in any supported format (detected when not given) into groups,
 * pairs or SFT examples. A file must hold one kind of example; errors name the file, row and field.
 */
export function loadDataset(file: string, format?: Format): { format: Format; dataset: Dataset } {
  const rows = readJsonOrJsonl(file);
  const fmt = format ?? detectFormat(file, rows);
  let kind: DatasetKind | undefined;
  const out: unknown[] = [];
  for (const { line, value } of rows) {
    const src = { file, line };
    const r = importRow(fmt, value, src);
    if (kind && r.kind !== kind)
      throw new DataError(file, line, undefined, `row is a ${r.kind} example but earlier rows are ${kind} examples`);
    kind = r.kind;
    out.push(r.row);
  }
  return { format: fmt, dataset: { kind: kind!, rows: out } as Dataset };
}

/**
 * Convert a dataset to another kind: groups -> pairs (DPO*: x1: y1 > y2, x2: y2 > y1), groups -> SFT (SFT*:
 * {x1,y1}, {x2,y2}), pairs -> SFT (the chosen responses). Pairs or SFT rows cannot become groups.
 */
export function toKind(ds: Dataset, kind: DatasetKind): Dataset {
  if (ds.kind === kind) return ds;
  if (ds.kind === "group" && kind === "pair") return { kind, rows: ds.rows.flatMap(groupToDpoPairs) };
  if (ds.kind === "group" && kind === "sft") return { kind, rows: ds.rows.flatMap(groupToSftExamples) };
  if (ds.kind === "pair" && kind === "sft") return { kind, rows: ds.rows.map(pairToSftExample) };
  throw new Error(`cannot turn ${ds.kind} examples into ${kind} examples (IOPO groups need x1, y1, x2, y2)`);
}
