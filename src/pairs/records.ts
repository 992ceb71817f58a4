import { z } from "zod";
import { DataError } from "../data/errors.js";
import { readJsonl } from "../data/jsonl.js";
import { ChatMessageSchema, JudgeResultSchema } from "../data/schemas.js";
import type { X1Row } from "./edit-constraints.js";

/**
 * Input of `pairs dpo` / `pairs iopo`: TRACE records with a response (the output of `trace build`, or any file in
 * that shape). The record's own judge verdict, when present, must be a full score on every constraint; records
 * whose verdict is not are set aside (listed, counted), since the paper builds pairs only from compliant responses.
 */
const PairInputSchema = z.looseObject({
  id: z.union([z.string(), z.number()]).transform(String).optional(),
  description: z.string(),
  constraints_splits: z.array(z.string()).min(1),
  input: z.string().default("NULL"),
  messages: z.array(ChatMessageSchema).optional(),
  response: z.string().min(1),
  judge: JudgeResultSchema.partial().optional(),
});

export interface PreparedRecords {
  rows: X1Row[];
  /** Records whose stored verdict is not all-10, with their ids and the verdict. */
  notFullScore: { id: string; scores: number[] | null | undefined }[];
}

/** Read the records and move each record's verdict under `judge.<key>` (chosen for DPO, y1_x1 for IOPO). */
export function readPairInputs(file: string, verdictKey: "chosen" | "y1_x1"): PreparedRecords {
  const rows: X1Row[] = [];
  const notFullScore: PreparedRecords["notFullScore"] = [];
  const seen = new Set<string>();
  for (const { line, value } of readJsonl(file, PairInputSchema)) {
    const id = value.id ?? `line-${line}`;
    if (seen.has(id)) throw new DataError(file, line, "id", `duplicate id ${JSON.stringify(id)}`);
    seen.add(id);
    const { judge, ...rest } = value;
    const scores = judge?.scores;
    if (
      judge &&
      (!Array.isArray(scores) || scores.length !== value.constraints_splits.length || scores.some((s) => s !== 10))
    ) {
      notFullScore.push({ id, scores });
      continue;
    }
    rows.push({ ...rest, id, judge: judge ? { [verdictKey]: judge } : {} } as X1Row);
  }
  return { rows, notFullScore };
}
