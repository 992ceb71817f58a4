/**
 * `iopo/data`: the records on disk (TRACE records, DPO pairs, IOPO groups, SFT rows; docs/design.md, section 4),
 * JSONL reading and writing with `file:line: field` errors (`DataError`), and the dataset formats `iopo convert`
 * and `iopo export` read and write (project iopo/dpo/sft, TRL, LLaMA-Factory alpaca and sharegpt).
 *
 * @example
 * import { exportRows, loadDataset, readJsonl, TraceRecordSchema, writeJsonl } from "iopo/data";
 *
 * const records = readJsonl("trace.jsonl", TraceRecordSchema); // a bad row throws DataError (file, line, field)
 * console.log(records.length, records[0]?.value.constraints_num);
 * const { format, dataset } = loadDataset("iopo_groups.jsonl"); // format detected from the rows
 * console.log(format, dataset.kind, dataset.rows.length);
 * writeJsonl("groups.sharegpt.jsonl", exportRows(dataset, "sharegpt"));
 */
export * from "./errors.js";
export { type ConvertResult, convertFile, exportTrlFile } from "./formats/convert.js";
export { detectFormat, detectRowFormat } from "./formats/detect.js";
export { groupToDpoPairs, groupToSftExamples, pairToSftExample } from "./formats/expand.js";
export {
  exportLlamaFactory,
  type LlamaFactoryExportOptions,
  type LlamaFactoryExportResult,
  llamaFactoryConfig,
} from "./formats/export-llamafactory.js";
export { importRow, loadDataset, toKind } from "./formats/load.js";
export type { TrlStyle } from "./formats/trl.js";
export {
  type Dataset,
  type DatasetKind,
  DEFAULT_SYSTEM,
  FORMATS,
  type Format,
  type PreferencePair,
  type RowSource,
  type SftExample,
} from "./formats/types.js";
export { type ExportOptions, exportRows, serializeRows } from "./formats/write.js";
export * from "./instruction.js";
export * from "./jsonl.js";
export * from "./schemas.js";
