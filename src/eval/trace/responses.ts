import { z } from "zod";
import { DataError } from "../../data/errors.js";
import { readJsonl, validate } from "../../data/jsonl.js";
import { type TraceRecord, TraceRecordSchema } from "../../data/schemas.js";
import { withResponseField } from "../response-field.js";

const ResponseRowSchema = z.looseObject({
  id: z.union([z.string(), z.number()]).transform(String),
  response: z.string(),
});

/**
 * A responses file for `iopo eval trace`: JSONL rows `{id, response}` (or `text`, see ../response-field.ts; extra
 * fields such as the record's messages, as `iopo generate` keeps them, are ignored).
 */
export function readTraceResponses(file: string, known?: ReadonlySet<string>): Map<string, string> {
  const out = new Map<string, string>();
  for (const row of readJsonl(file)) {
    const line = row.line;
    const value = validate(ResponseRowSchema, withResponseField(row.value), file, line);
    if (out.has(value.id)) throw new DataError(file, line, "id", `duplicate id ${value.id}`);
    if (known && !known.has(value.id)) throw new DataError(file, line, "id", `id ${value.id} is not in the data`);
    out.set(value.id, value.response);
  }
  return out;
}

/** The TRACE evaluation records (released format); constraints_num must match constraints_splits. */
export function readTraceData(file: string): TraceRecord[] {
  const rows = readJsonl(file, TraceRecordSchema);
  const seen = new Set<string>();
  for (const { line, value } of rows) {
    if (seen.has(value.id)) throw new DataError(file, line, "id", `duplicate id ${value.id}`);
    seen.add(value.id);
    if (value.constraints_num !== value.constraints_splits.length)
      throw new DataError(
        file,
        line,
        "constraints_num",
        `${value.constraints_num} but constraints_splits has ${value.constraints_splits.length} entries`,
      );
  }
  return rows.map((r) => r.value);
}
