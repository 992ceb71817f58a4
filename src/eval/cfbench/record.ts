import { z } from "zod";
import { DataError } from "../../data/errors.js";
import { readJsonOrJsonl, readUtf8, validate } from "../../data/jsonl.js";
import { withResponseField } from "../response-field.js";

/**
 * One record of the upstream `data/cfbench_data.json` (PKU-Baichuan-MLSystemLab/CFBench). The file cannot be
 * shipped (no license upstream); users pass its path. Field names are upstream's, including the misspelt
 * `doamin`. Unknown fields are kept.
 */
export const CfbenchCriterionSchema = z
  .array(z.string())
  .min(2)
  .refine((c) => c[1] === "主需" || c[1] === "次需", { message: 'criteria[k][1] must be "主需" or "次需"' });

export const CfbenchRecordSchema = z.looseObject({
  idx: z.number().int(),
  prompt: z.string(),
  gold: z.string().default(""),
  split: z.string(),
  criteria: z.array(CfbenchCriterionSchema).min(1),
  response: z.string().optional(),
});
export type CfbenchRecord = z.infer<typeof CfbenchRecordSchema>;

/** Read the benchmark file (a JSON array as upstream, or JSONL); duplicate `idx` values are an error. */
export function readCfbenchData(file: string): CfbenchRecord[] {
  const rows = readJsonOrJsonl(file, CfbenchRecordSchema);
  const seen = new Map<number, number>();
  for (const row of rows) {
    const prev = seen.get(row.value.idx);
    if (prev !== undefined)
      throw new DataError(file, row.line, "idx", `duplicate idx ${row.value.idx} (also at ${prev})`);
    seen.set(row.value.idx, row.line);
  }
  return rows.map((r) => r.value);
}

const ResponseRowSchema = z.looseObject({ idx: z.number().int(), response: z.string().nullable() });

/**
 * Read a responses file: upstream's `<model>_infer.json` (the data records with a `response` field) or JSONL
 * rows `{idx, response}` (or `text`, see ../response-field.ts). Responses are paired with the data by `idx`. A null
 * response becomes "" (scored).
 */
export function readCfbenchResponses(file: string): Map<number, string> {
  readUtf8(file, "a JSONL file or a JSON array");
  const out = new Map<number, string>();
  for (const raw of readJsonOrJsonl(file)) {
    const row = { line: raw.line, value: validate(ResponseRowSchema, withResponseField(raw.value), file, raw.line) };
    if (out.has(row.value.idx)) throw new DataError(file, row.line, "idx", `duplicate idx ${row.value.idx}`);
    out.set(row.value.idx, row.value.response ?? "");
  }
  return out;
}
