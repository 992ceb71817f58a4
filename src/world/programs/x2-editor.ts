import { EDIT_CONSTRAINTS_EN } from "../../pairs/prompts/edit-constraints.en.js";
import { EDIT_CONSTRAINTS_ZH } from "../../pairs/prompts/edit-constraints.zh.js";
import { randFor, shuffled } from "../../util/random.js";
import { type Constraint, checkAll, constraintKey, renderConstraint, stripLineNumber } from "../constraint.js";
import { fromStructured, type WorldInstruction } from "../instruction.js";
import { respond } from "../responder.js";
import { containsWord, countAsciiWords, type ListFormat, listView } from "../response-analysis.js";
import { candidateItems, type Task } from "../task.js";
import { CLOSING_PHRASES, OPENING_PHRASES } from "../vocabulary.js";
import { byTemplates, WorldError, type WorldProgram } from "./program.js";
import { consistencyProblems } from "./quality-judges.js";

/**
 * x2 editor (appendix D step 1): edits x1's constraints with the operation the prompt names, each one pure: ADD new
 * items (y1 fails one of them), DELETE one item and change nothing else, REVISE one item (y1 fails it). Every
 * candidate edit is verified with the checkers before answering: ADD and REVISE must make y1 fail x2, and x2 must
 * stay consistent and satisfiable (the world's responder can answer it). Among verified edits it prefers those
 * whose answer y2 in turn fails x1: for a DELETE that is the group's only cross pair that can fail (y1 meets every
 * remaining item), which the group reading of the rationality check accepts.
 */

const round5 = (n: number) => Math.max(5, Math.round(n / 5) * 5);
const FORMATS: ListFormat[] = ["json", "bullets", "numbered"];

/** Constraints of `kind`-like values that y1 fails: replacements for `c` (REVISE) or new items (ADD). */
function variantsFailing(c: Constraint, y1: string, task: Task): Constraint[] {
  const words = countAsciiWords(y1);
  const items = candidateItems(task);
  const out: Constraint[] = [];
  switch (c.kind) {
    case "count": {
      const n = listView(y1).items.length;
      for (const m of [n + 1, n - 1, n + 2]) if (m >= 1 && m <= items.length) out.push({ kind: "count", n: m });
      break;
    }
    case "words_max":
      for (const n of [round5(words - 8), words - 3, words - 1])
        if (n >= 1 && n < words) out.push({ kind: "words_max", n });
      break;
    case "words_min":
      out.push({ kind: "words_min", n: round5(words + 15) });
      break;
    case "include":
      for (const w of items) if (!containsWord(y1, w)) out.push({ kind: "include", word: w });
      break;
    case "exclude":
      for (const w of items) if (containsWord(y1, w)) out.push({ kind: "exclude", word: w });
      break;
    case "format":
      for (const f of FORMATS) out.push({ kind: "format", format: f });
      break;
    case "case":
      out.push({ kind: "case", case: "upper" }, { kind: "case", case: "lower" });
      break;
    case "bold":
      out.push({ kind: "bold" });
      break;
    case "opening":
      for (const p of OPENING_PHRASES) out.push({ kind: "opening", phrase: p });
      break;
    case "closing":
      for (const p of CLOSING_PHRASES) out.push({ kind: "closing", phrase: p });
      break;
    case "heading":
      for (const t of task.category.titles) out.push({ kind: "heading", title: t });
      break;
    case "example":
      out.push(c);
      break;
  }
  return out.filter((v) => constraintKey(v) !== constraintKey(c) && !checkAll([v], y1)[0].ok);
}

/** One template constraint per kind, so ADD can propose every kind the instruction lacks. */
const KIND_SEEDS: Constraint[] = [
  { kind: "count", n: 1 },
  { kind: "words_max", n: 1 },
  { kind: "words_min", n: 1 },
  { kind: "include", word: "" },
  { kind: "exclude", word: "" },
  { kind: "format", format: "json" },
  { kind: "case", case: "upper" },
  { kind: "bold" },
  { kind: "opening", phrase: "" },
  { kind: "closing", phrase: "" },
  { kind: "heading", title: "" },
  { kind: "example", example: "Piano - a classic" },
];

interface Edit {
  /** 0: the natural edit (same kind of constraint); 1: a fallback (REVISE into another kind). */
  tier: number;
  constraints: Constraint[];
  /** Kept lines keep their original wording; changed ones are rendered. */
  lines: string[];
  explain: string;
}

function candidates(op: string, x1: WorldInstruction, lines: string[], y1: string): Edit[] {
  const cs = x1.constraints;
  const out: Edit[] = [];
  const revise = () => {
    for (const [i, c] of cs.entries()) {
      // Same-kind revisions first; when a kind has none (bold, example), revising the item into another kind.
      const same = variantsFailing(c, y1, x1.task);
      const present = new Set(cs.map((x) => x.kind));
      const other =
        same.length > 0
          ? []
          : KIND_SEEDS.filter((k) => !present.has(k.kind)).flatMap((k) => variantsFailing(k, y1, x1.task));
      for (const [tier, variants] of [same, other].entries()) {
        for (const v of variants) {
          const constraints = cs.map((x, k) => (k === i ? v : x));
          const newLines = lines.map((x, k) => (k === i ? renderConstraint(v) : x));
          out.push({
            tier,
            constraints,
            lines: newLines,
            explain: `constraint ${i + 1} now reads "${renderConstraint(v)}"`,
          });
        }
      }
    }
  };
  if (op === "ADD") {
    const present = new Set(cs.map((c) => c.kind));
    for (const seed of KIND_SEEDS) {
      if (present.has(seed.kind) && seed.kind !== "include" && seed.kind !== "exclude") continue;
      for (const v of variantsFailing(seed, y1, x1.task)) {
        out.push({
          tier: 0,
          constraints: [...cs, v],
          lines: [...lines, renderConstraint(v)],
          explain: `the new constraint "${renderConstraint(v)}"`,
        });
      }
    }
  } else if (op === "REVISE") {
    revise();
  } else if (op === "DELETE" && cs.length >= 2) {
    // A pure DELETE: one item goes, every other line stays word for word.
    for (let d = 0; d < cs.length; d++) {
      out.push({
        tier: 0,
        constraints: cs.filter((_, k) => k !== d),
        lines: lines.filter((_, k) => k !== d),
        explain: `constraint ${d + 1} ("${lines[d]}") is deleted`,
      });
    }
  }
  return out;
}

export const x2EditorProgram: WorldProgram = {
  stage: "edit_constraints",
  role: "constructor",
  recognise: byTemplates(EDIT_CONSTRAINTS_EN, EDIT_CONSTRAINTS_ZH),
  answer(slots, ctx) {
    const lines = slots.constraints
      .split("\n")
      .filter((l) => l.trim() !== "")
      .map(stripLineNumber);
    const x1 = fromStructured({
      description: slots.description.trim(),
      constraints_splits: lines,
      input: slots.input.trim(),
    });
    if (!x1) throw new WorldError("world:edit_constraints: x1 is not a world instruction");
    const y1 = slots.response.trim();
    const op = slots.operation.trim().toUpperCase();
    const key = `${ctx.salt}:x2:${op}:${slots.constraints}:${y1}`;
    let fallback: Edit | undefined;
    let best: Edit | undefined;
    const ordered = shuffled(candidates(op, x1, lines, y1), randFor(key)).sort((a, b) => a.tier - b.tier);
    for (const e of ordered) {
      const x2 = { task: x1.task, constraints: e.constraints };
      // ADD and REVISE must make y1 fail x2; a pure DELETE cannot (y1 meets every remaining constraint).
      if (op !== "DELETE" && checkAll(x2.constraints, y1).every((r) => r.ok)) continue;
      if (consistencyProblems(x2).length > 0) continue;
      const y2 = respond(x2, key);
      if (y2.failed.length > 0) continue;
      fallback ??= e;
      if (checkAll(x1.constraints, y2.text).some((r) => !r.ok)) {
        best = e;
        break;
      }
    }
    best ??= fallback;
    if (!best) {
      const numbered = lines.map((l, i) => `${i + 1}. ${l}`).join("\n");
      return `<explain>No ${op} edit of these constraints makes the response fail them.</explain>\n<result>\n${numbered}\n</result>`;
    }
    const failed = checkAll(best.constraints, y1).flatMap((r, i) => (r.ok ? [] : [`${i + 1} (${r.why})`]));
    const effect =
      failed.length > 0
        ? `the response fails new constraint ${failed.join(", ")}`
        : "the response still meets the shorter list, while an answer written for it need not meet the deleted item";
    return (
      `<explain>After the ${op} edit, ${best.explain}; ${effect}.</explain>\n` +
      `<result>\n${best.lines.map((l, i) => `${i + 1}. ${l}`).join("\n")}\n</result>`
    );
  },
};
