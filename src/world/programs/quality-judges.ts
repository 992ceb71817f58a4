import { COMPLETENESS_EN } from "../../trace/prompts/completeness.en.js";
import { COMPLETENESS_ZH } from "../../trace/prompts/completeness.zh.js";
import { REDUNDANCY_EN } from "../../trace/prompts/redundancy.en.js";
import { REDUNDANCY_ZH } from "../../trace/prompts/redundancy.zh.js";
import { type Constraint, constraintKey, renderConstraint } from "../constraint.js";
import { fromStructured, parseProse, type WorldInstruction } from "../instruction.js";
import { respond } from "../responder.js";
import { renderTask } from "../task.js";
import { byTemplates, WorldError, type WorldProgram } from "./program.js";

/**
 * Quality-control judges (appendix B.3 completeness, B.4 redundancy), the paper's GPT-4o. Both decide with the
 * world's parsers and checkers, so their verdicts are right by construction: an item is Incomplete when the
 * structured form lost, added or changed anything of the original; Redundant when two constraints repeat or
 * contradict each other, or when together they cannot be satisfied.
 */

/** Read `#Task Description:` / `#Constraints:` / `#Input:` (the layout the structurer writes and QC shows). */
export function parseStructuredText(text: string): WorldInstruction | undefined {
  const m = /^#Task Description:[ \t]*(.*)\n#Constraints:\n([\s\S]*?)\n?#Input:[ \t]*([\s\S]*)$/.exec(text.trim());
  if (!m) return undefined;
  const lines = m[2].split("\n").filter((l) => l.trim() !== "");
  return fromStructured({ description: m[1].trim(), constraints_splits: lines, input: m[3].trim() });
}

const multiset = (cs: readonly Constraint[]) => cs.map(constraintKey).sort().join("\n");

export const completenessProgram: WorldProgram = {
  stage: "filter_complete",
  role: "judge",
  recognise: byTemplates(COMPLETENESS_EN.text, COMPLETENESS_ZH.text),
  answer(slots) {
    const structured = parseStructuredText(slots.structured);
    if (!structured) throw new WorldError("world:filter_complete: the structured instruction is not world language");
    const original = parseProse(slots.instruction.trim()) ?? parseStructuredText(slots.instruction);
    if (!original) throw new WorldError("world:filter_complete: the original instruction is not world language");
    const problems: string[] = [];
    if (renderTask(original.task) !== renderTask(structured.task)) problems.push("the task description differs");
    if ((original.task.pool ?? []).join(",") !== (structured.task.pool ?? []).join(",")) {
      problems.push("the input differs");
    }
    const before = new Set(original.constraints.map(constraintKey));
    const after = new Set(structured.constraints.map(constraintKey));
    for (const c of original.constraints) {
      if (!after.has(constraintKey(c))) problems.push(`the constraint "${renderConstraint(c)}" is missing`);
    }
    for (const c of structured.constraints) {
      if (!before.has(constraintKey(c))) problems.push(`the constraint "${renderConstraint(c)}" was invented`);
    }
    if (problems.length === 0 && multiset(original.constraints) !== multiset(structured.constraints)) {
      problems.push("a constraint is repeated a different number of times");
    }
    const verdict = problems.length === 0 ? "Complete" : "Incomplete";
    const explain =
      problems.length === 0
        ? `The task, all ${original.constraints.length} constraints and the input are kept unchanged.`
        : `${problems.join("; ")}.`;
    return `<explain>${explain}</explain>\n<tag>: ${verdict}`;
  },
};

/** Kinds a consistent instruction holds at most once (include/exclude may repeat with different words). */
const SINGLE_KINDS = new Set(["count", "words_max", "words_min", "format", "case", "bold", "opening", "closing"]);

/** Why the constraints are redundant or contradictory (empty when they are neither). */
export function redundancyProblems(ins: WorldInstruction): string[] {
  const problems: string[] = [];
  const cs = ins.constraints;
  const seen = new Map<string, number>();
  for (const [i, c] of cs.entries()) {
    const key = constraintKey(c);
    if (seen.has(key)) problems.push(`constraints ${seen.get(key)! + 1} and ${i + 1} are the same`);
    seen.set(key, i);
  }
  for (let i = 0; i < cs.length; i++) {
    for (let j = i + 1; j < cs.length; j++) {
      const [a, b] = [cs[i], cs[j]];
      if (constraintKey(a) === constraintKey(b)) continue;
      if (a.kind === b.kind && (SINGLE_KINDS.has(a.kind) || a.kind === "heading" || a.kind === "example")) {
        problems.push(`constraints ${i + 1} and ${j + 1} both set the ${a.kind.replace("_", " ")}`);
      }
      if (
        (a.kind === "include" && b.kind === "exclude" && a.word === b.word) ||
        (a.kind === "exclude" && b.kind === "include" && a.word === b.word)
      ) {
        problems.push(`constraints ${i + 1} and ${j + 1} require and forbid the same word`);
      }
      if (a.kind === "words_min" && b.kind === "words_max" && a.n > b.n) {
        problems.push(`constraints ${i + 1} and ${j + 1} ask for more words than they allow`);
      }
      if (a.kind === "words_max" && b.kind === "words_min" && b.n > a.n) {
        problems.push(`constraints ${i + 1} and ${j + 1} ask for more words than they allow`);
      }
    }
  }
  if (problems.length === 0) {
    const r = respond(ins, "redundancy-check");
    if (r.failed.length > 0) {
      problems.push(`no response can satisfy constraints ${r.failed.map((k) => k + 1).join(", ")} together`);
    }
  }
  return problems;
}

export const redundancyProgram: WorldProgram = {
  stage: "filter_redundant",
  role: "judge",
  recognise: byTemplates(REDUNDANCY_EN.text, REDUNDANCY_ZH.text),
  answer(slots) {
    const ins = parseStructuredText(slots.structured);
    if (!ins) throw new WorldError("world:filter_redundant: the structured instruction is not world language");
    const problems = redundancyProblems(ins);
    const explain =
      problems.length === 0
        ? `The ${ins.constraints.length} constraints are distinct, compatible and each restricts the response.`
        : `${problems.join("; ")}.`;
    return `<explain>${explain}</explain>\n<tag>: ${problems.length === 0 ? "Not Redundant" : "Redundant"}`;
  },
};
