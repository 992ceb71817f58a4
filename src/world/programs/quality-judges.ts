import { NULL_INPUT } from "../../data/instruction.js";
import { COMPLETENESS_EN } from "../../trace/prompts/completeness.en.js";
import { COMPLETENESS_ZH } from "../../trace/prompts/completeness.zh.js";
import { CONSISTENCY_EN } from "../../trace/prompts/consistency.en.js";
import { CONSISTENCY_ZH } from "../../trace/prompts/consistency.zh.js";
import { FAITHFULNESS_EN } from "../../trace/prompts/faithfulness.en.js";
import { FAITHFULNESS_ZH } from "../../trace/prompts/faithfulness.zh.js";
import { REDUNDANCY_EN } from "../../trace/prompts/redundancy.en.js";
import { REDUNDANCY_ZH } from "../../trace/prompts/redundancy.zh.js";
import { type Constraint, constraintKey, parseConstraint, parseConstraintAt, renderConstraint } from "../constraint.js";
import { fromStructured, parseProse, type WorldInstruction } from "../instruction.js";
import { respond } from "../responder.js";
import { asksForInput, parseTaskPrefix, renderTask, type Task } from "../task.js";
import { byTemplates, WorldError, type WorldProgram } from "./program.js";

/**
 * Quality-control judges, the paper's GPT-4o, deciding with the world's parsers and checkers (so their verdicts
 * are right by construction), by the paper's rules:
 *  - completeness (B.3): one structured instruction is Incomplete when it cannot be carried out as given - its
 *    task picks from an input list and the input is missing;
 *  - redundancy (B.4): Redundant when the task description also states a constraint (the same information twice).
 * And the two optional checks that are not in the paper:
 *  - consistency (`filter_consistency`): constraints that repeat or contradict each other, or that no response can
 *    satisfy together;
 *  - faithfulness (`filter_faithfulness`): the structured form lost, added or changed something of the original.
 */

/** The three fields of `#Task Description:` / `#Constraints:` / `#Input:` (the layout the structurer writes). */
export function splitStructuredText(text: string): { description: string; lines: string[]; input: string } | undefined {
  const m = /^#Task Description:[ \t]*(.*)\n#Constraints:\n([\s\S]*?)\n?#Input:[ \t]*([\s\S]*)$/.exec(text.trim());
  if (!m) return undefined;
  const lines = m[2].split("\n").filter((l) => l.trim() !== "");
  return { description: m[1].trim(), lines, input: m[3].trim() };
}

/** Read a structured instruction whose fields are world language (strictly: a pure task description). */
export function parseStructuredText(text: string): WorldInstruction | undefined {
  const s = splitStructuredText(text);
  return s && fromStructured({ description: s.description, constraints_splits: s.lines, input: s.input });
}

/**
 * A structured instruction read leniently, as the judges must: the task sentence at the start of the description
 * (undefined when it picks from an input list that is missing), constraints written after it in the description,
 * and the constraint lines.
 */
interface LenientStructured {
  task?: Task;
  needsInput: boolean;
  inputGiven: boolean;
  /** Constraints the task description carries after its task sentence. */
  inDescription: Constraint[];
  constraints: Constraint[];
}

function readLenient(text: string, stage: string): LenientStructured {
  const s = splitStructuredText(text);
  if (!s) throw new WorldError(`world:${stage}: not a structured world instruction`);
  const inputGiven = s.input !== "" && s.input !== NULL_INPUT;
  const needsInput = asksForInput(s.description);
  const prefix = parseTaskPrefix(s.description, inputGiven ? s.input : undefined);
  if (!prefix && !needsInput) throw new WorldError(`world:${stage}: the task description is not world language`);
  const inDescription: Constraint[] = [];
  if (prefix) {
    let pos = prefix.length;
    for (;;) {
      while (pos < s.description.length && /\s/.test(s.description[pos])) pos++;
      if (pos >= s.description.length) break;
      const c = parseConstraintAt(s.description, pos);
      if (!c) throw new WorldError(`world:${stage}: the task description is not world language`);
      inDescription.push(c.constraint);
      pos += c.length;
    }
  }
  const constraints = s.lines.map(parseConstraint);
  if (constraints.some((c) => c === undefined)) {
    throw new WorldError(`world:${stage}: a constraint line is not world language`);
  }
  return { task: prefix?.task, needsInput, inputGiven, inDescription, constraints: constraints as Constraint[] };
}

const reply = (problems: string[], pass: string, fail: string, ok: string) =>
  `<explain>${problems.length === 0 ? ok : `${problems.join("; ")}.`}</explain>\n<tag>: ${problems.length === 0 ? pass : fail}`;

export const completenessProgram: WorldProgram = {
  stage: "filter_complete",
  role: "judge",
  recognise: byTemplates(COMPLETENESS_EN.text, COMPLETENESS_ZH.text),
  answer(slots) {
    const s = readLenient(slots.structured, "filter_complete");
    const problems: string[] = [];
    if (s.needsInput && !s.inputGiven) problems.push("the task picks from an input list, but no input is given");
    else if (!s.task) problems.push("the input is not a list of the task's items");
    return reply(problems, "Complete", "Incomplete", "The task is clear and needs nothing that is missing.");
  },
};

export const redundancyProgram: WorldProgram = {
  stage: "filter_redundant",
  role: "judge",
  recognise: byTemplates(REDUNDANCY_EN.text, REDUNDANCY_ZH.text),
  answer(slots) {
    const s = readLenient(slots.structured, "filter_redundant");
    const listed = new Map(s.constraints.map((c, i) => [constraintKey(c), i + 1]));
    const problems = s.inDescription.map((c) => {
      const k = listed.get(constraintKey(c));
      return `the task description also requires "${renderConstraint(c)}"${k ? `, which is constraint ${k}` : ""}`;
    });
    return reply(
      problems,
      "Not Redundant",
      "Redundant",
      "The task description states only the task; each requirement is given once.",
    );
  },
};

/** Kinds a consistent instruction holds at most once (include/exclude may repeat with different words). */
const SINGLE_KINDS = new Set(["count", "words_max", "words_min", "format", "case", "bold", "opening", "closing"]);

/**
 * Why the constraints repeat or contradict each other (empty when they do neither). With the task known, also
 * whether the world's responder can satisfy them all together.
 */
export function consistencyProblems(ins: { task?: Task; constraints: readonly Constraint[] }): string[] {
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
  if (problems.length === 0 && ins.task) {
    const r = respond({ task: ins.task, constraints: [...cs] }, "redundancy-check");
    if (r.failed.length > 0) {
      problems.push(`no response can satisfy constraints ${r.failed.map((k) => k + 1).join(", ")} together`);
    }
  }
  return problems;
}

export const consistencyProgram: WorldProgram = {
  stage: "filter_consistency",
  role: "judge",
  recognise: byTemplates(CONSISTENCY_EN.text, CONSISTENCY_ZH.text),
  answer(slots) {
    const s = readLenient(slots.structured, "filter_consistency");
    const problems = consistencyProblems(s);
    return reply(
      problems,
      "Consistent",
      "Inconsistent",
      `The ${s.constraints.length} constraints are distinct and can be satisfied together.`,
    );
  },
};

const multiset = (cs: readonly Constraint[]) => cs.map(constraintKey).sort().join("\n");

export const faithfulnessProgram: WorldProgram = {
  stage: "filter_faithfulness",
  role: "judge",
  recognise: byTemplates(FAITHFULNESS_EN.text, FAITHFULNESS_ZH.text),
  answer(slots) {
    const structured = readLenient(slots.structured, "filter_faithfulness");
    const original = parseProse(slots.instruction.trim()) ?? parseStructuredText(slots.instruction);
    if (!original) throw new WorldError("world:filter_faithfulness: the original instruction is not world language");
    const problems: string[] = [];
    if (!structured.task || renderTask(original.task) !== renderTask(structured.task)) {
      problems.push("the task description differs");
    }
    if (structured.inDescription.length > 0) problems.push("the task description carries constraints");
    if ((original.task.pool ?? []).join(",") !== (structured.task?.pool ?? []).join(",")) {
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
    return reply(
      problems,
      "Faithful",
      "Unfaithful",
      `The task, all ${original.constraints.length} constraints and the input are kept unchanged.`,
    );
  },
};
