import { z } from "zod";
import { DataError } from "../../data/errors.js";
import { readJsonl, readJsonOrJsonl, validate } from "../../data/jsonl.js";
import { withResponseField } from "../response-field.js";

/**
 * A record of upstream `data/data_final.json` (thu-coai/ComplexBench, MIT). Field names are upstream's.
 * The file is not shipped here; users pass its path.
 */
export const ScoringQuestionSchema = z.looseObject({
  point_id: z.number().int().optional(),
  question: z.string(),
  question_en: z.string().optional(),
  rule: z.string().nullable(),
  constraint_dimensions: z.array(z.string()).default([]),
  composition_types: z.array(z.string()).default([]),
  dep: z.array(z.number().int()).default([]),
});
export type ScoringQuestion = z.infer<typeof ScoringQuestionSchema>;

export const ComplexbenchRecordSchema = z.looseObject({
  main_id: z.number().int(),
  group: z.union([z.string(), z.number()]).transform(String).optional(),
  idx_in_group: z.number().int().optional(),
  instruction: z.string(),
  instruction_en: z.string().optional(),
  task_types: z.string().default(""),
  constraint_dimensions: z.array(z.string()).optional(),
  composition_types: z.array(z.string()).default([]),
  category: z.string().default(""),
  scoring_questions: z.array(ScoringQuestionSchema).min(1),
});
export type ComplexbenchRecord = z.infer<typeof ComplexbenchRecordSchema>;

export function readComplexbenchData(file: string): ComplexbenchRecord[] {
  const rows = readJsonOrJsonl(file, ComplexbenchRecordSchema);
  for (const { line, value } of rows) {
    value.scoring_questions.forEach((q, j) => {
      for (const d of q.dep)
        if (d < 0 || d >= value.scoring_questions.length)
          throw new DataError(file, line, `scoring_questions.${j}.dep`, `dependency ${d} is not a question index`);
    });
  }
  return rows.map((r) => r.value);
}

const GenerationSchema = z.looseObject({
  main_id: z.number().int().optional(),
  generated: z.string().nullable(),
});

export type Pairing = "position" | "main_id";

/**
 * Read an upstream generations file (JSONL `{main_id, model, instruction, generated}`) and pair it with the data:
 * by line position as upstream does (`zip(data, outputs)`, extra lines ignored, missing lines leave the record
 * unscored... upstream would silently drop them; we refuse), or by `main_id`. `generated: null` is kept as null
 * and sent to the judge as "None", as upstream. `response` or `text` is read as `generated` (the names of
 * `iopo generate`, see ../response-field.ts).
 */
export function readComplexbenchResponses(
  file: string,
  data: readonly ComplexbenchRecord[],
  pairing: Pairing,
): (string | null)[] {
  const rows = readJsonl(file).map(({ line, value }) => ({
    line,
    value: validate(GenerationSchema, withResponseField(value, "generated"), file, line),
  }));
  if (pairing === "position") {
    if (rows.length < data.length)
      throw new DataError(
        file,
        undefined,
        undefined,
        `${rows.length} responses for ${data.length} records (paired by position)`,
      );
    return data.map((_, i) => rows[i].value.generated);
  }
  const byId = new Map<number, string | null>();
  for (const { line, value } of rows) {
    if (value.main_id === undefined) throw new DataError(file, line, "main_id", "required when pairing by main_id");
    if (byId.has(value.main_id)) throw new DataError(file, line, "main_id", `duplicate main_id ${value.main_id}`);
    byId.set(value.main_id, value.generated);
  }
  return data.map((d) => {
    if (!byId.has(d.main_id)) throw new DataError(file, undefined, "main_id", `no response for main_id ${d.main_id}`);
    return byId.get(d.main_id)!;
  });
}
