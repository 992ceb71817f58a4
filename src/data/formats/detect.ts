import { DataError } from "../errors.js";
import type { Format } from "./types.js";

/** Guess a row's format from its fields; undefined when nothing matches. */
export function detectRowFormat(value: unknown): Format | undefined {
  if (!value || typeof value !== "object" || Array.isArray(value)) return undefined;
  const has = (k: string) => k in (value as object);
  if (has("x1") && has("x2") && has("y1") && has("y2")) return "iopo";
  if (has("conversations")) return "sharegpt";
  if (has("instruction")) return "alpaca";
  if (has("chosen") && has("rejected")) return "trl";
  // A TRACE record: the conversation up to the user turn, and the answer beside it (trace build's trace.jsonl).
  if (has("messages") && has("response")) return "trace";
  if (has("messages") || (has("prompt") && has("completion"))) return "sft";
  return undefined;
}

const EXPECTED =
  "expected one of: IOPO groups (x1, y1, x2, y2), TRL/DPO preference rows (prompt?, chosen, rejected), " +
  "SFT rows (messages, or prompt + completion), TRACE records (messages + response), LLaMA-Factory alpaca (instruction, input, chosen/rejected or " +
  "output) or sharegpt (conversations, chosen?, rejected?)";

/** Detect the format of a whole file from its rows: every row must agree. */
export function detectFormat(file: string, rows: readonly { line: number; value: unknown }[]): Format {
  let format: Format | undefined;
  for (const { line, value } of rows) {
    const f = detectRowFormat(value);
    // A row that matches no format in a file whose earlier rows do: read it as that format, so that the importer
    // names the field it lacks (e.g. `field "rejected"`) instead of a vague "cannot detect".
    if (!f && format && value && typeof value === "object" && !Array.isArray(value)) continue;
    if (!f) {
      const keys = value && typeof value === "object" ? Object.keys(value).join(", ") : typeof value;
      throw new DataError(file, line, undefined, `cannot detect the dataset format from fields [${keys}]; ${EXPECTED}`);
    }
    if (format && f !== format)
      throw new DataError(file, line, undefined, `row looks like "${f}" but earlier rows look like "${format}"`);
    format = f;
  }
  if (!format) throw new DataError(file, undefined, undefined, "file has no rows");
  return format;
}
