import { instructionMessages } from "../data/instruction.js";
import { dimensionByName } from "../taxonomy/lookup.js";
import { checkAll, KIND_DIMENSION, parseConstraint } from "./constraint.js";
import { generateInstruction } from "./generator.js";
import { toStructured, type WorldInstruction } from "./instruction.js";

/**
 * World instructions as TRACE records (the released evaluation set's fields, `levels2` labels from the taxonomy),
 * e.g. a held-out set with more constraints than training used, and the world's rule verdict on a response
 * (the B.5 judge's per-constraint 10/0 without a call). For the training and evaluation on the world that comes
 * later (docs/design.md, section 6).
 */
export interface WorldTraceRecord {
  id: string;
  messages: { role: "system" | "user"; content: string }[];
  description: string;
  constraints: string;
  input: string;
  constraints_num: number;
  constraints_splits: string[];
  levels2: string[];
  category: string;
}

export function worldTraceRecord(id: string, ins: WorldInstruction): WorldTraceRecord {
  const s = toStructured(ins);
  return {
    id,
    messages: instructionMessages(s.description, s.constraints_splits, s.input) as WorldTraceRecord["messages"],
    description: s.description,
    constraints: s.constraints_splits.join("\n"),
    input: s.input,
    constraints_num: s.constraints_splits.length,
    constraints_splits: s.constraints_splits,
    levels2: ins.constraints.map((c) => dimensionByName(KIND_DIMENSION[c.kind])?.label ?? KIND_DIMENSION[c.kind]),
    category: "world",
  };
}

/** `n` records with between `min` and `max` constraints each (inclusive), seeded; ids `<prefix>-0001`... */
export function generateEvalSet(
  n: number,
  seed: number,
  min: number,
  max: number,
  prefix = "world-eval",
): WorldTraceRecord[] {
  return Array.from({ length: n }, (_, i) => {
    const count = min + (i % (max - min + 1));
    return worldTraceRecord(
      `${prefix}-${String(i + 1).padStart(4, "0")}`,
      generateInstruction(`${prefix}:${seed}:${i}`, count),
    );
  });
}

/**
 * Per-constraint scores of a response (10 satisfied, 0 not) by the world's checkers; null for a constraint line
 * that is not world language. Paper eq. 3 counts an instruction as followed when every score is 10.
 */
export function scoreWithCheckers(constraintsSplits: readonly string[], response: string): (number | null)[] {
  return constraintsSplits.map((line) => {
    const c = parseConstraint(line);
    return c ? (checkAll([c], response)[0].ok ? 10 : 0) : null;
  });
}
