import { randFor, shuffled } from "../util/random.js";
import { type Constraint, checkAll, checkConstraint } from "./constraint.js";
import type { WorldInstruction } from "./instruction.js";
import { countAsciiWords, type ListFormat } from "./response-analysis.js";
import { candidateItems } from "./task.js";
import { FILLERS, NOTES } from "./vocabulary.js";

/**
 * The world's answer writer. It turns an instruction into a response plan (which items, in which format, with
 * which decorations), renders the plan, and checks the result with the checkers. Writing a worse answer is the
 * same plan with one decision flipped, so "violates exactly this constraint" is easy to arrange and to verify.
 */
export interface ResponsePlan {
  items: string[];
  format: ListFormat;
  bold: boolean;
  notes: boolean;
  heading?: string;
  opening?: string;
  closing?: string;
  case?: "upper" | "lower";
  fillers: number;
}

const first = <K extends Constraint["kind"]>(cs: readonly Constraint[], kind: K) =>
  cs.find((c) => c.kind === kind) as Extract<Constraint, { kind: K }> | undefined;

const capitalise = (w: string) => w.charAt(0).toUpperCase() + w.slice(1);

/** The plan that satisfies every constraint it can; `salt` varies the free choices (item order, default count). */
export function planResponse(ins: WorldInstruction, salt: string): ResponsePlan {
  const cs = ins.constraints;
  const rand = randFor(`respond:${salt}`);
  const required = [...new Set(cs.flatMap((c) => (c.kind === "include" ? [c.word] : [])))];
  const banned = new Set(cs.flatMap((c) => (c.kind === "exclude" ? [c.word] : [])));
  const others = shuffled(
    candidateItems(ins.task).filter((w) => !banned.has(w) && !required.includes(w)),
    rand,
  );
  const count = first(cs, "count")?.n ?? Math.max(required.length, 3 + Math.floor(rand() * 3));
  const plan: ResponsePlan = {
    items: [...required, ...others].slice(0, Math.max(count, 0)),
    format: first(cs, "format")?.format ?? "bullets",
    bold: cs.some((c) => c.kind === "bold"),
    notes: cs.some((c) => c.kind === "example"),
    heading: first(cs, "heading")?.title,
    opening: first(cs, "opening")?.phrase,
    closing: first(cs, "closing")?.phrase,
    case: first(cs, "case")?.case,
    fillers: 0,
  };
  const max = first(cs, "words_max")?.n;
  if (max !== undefined && !first(cs, "count")) {
    while (countAsciiWords(renderResponse(plan)) > max && plan.items.length > Math.max(1, required.length)) {
      plan.items.pop();
    }
  }
  const min = first(cs, "words_min")?.n;
  if (min !== undefined) {
    while (countAsciiWords(renderResponse(plan)) < min && plan.fillers < 40) plan.fillers++;
  }
  return plan;
}

export function renderResponse(plan: ResponsePlan): string {
  const shown = plan.items.map((w, i) => {
    const name = plan.bold ? `**${capitalise(w)}**` : capitalise(w);
    return plan.notes ? `${name} - ${NOTES[i % NOTES.length]}` : name;
  });
  const list =
    plan.format === "json"
      ? `[${shown.map((s) => JSON.stringify(s)).join(", ")}]`
      : shown.map((s, i) => (plan.format === "numbered" ? `${i + 1}. ${s}` : `- ${s}`)).join("\n");
  const blocks: string[] = [];
  if (plan.opening) blocks.push(plan.opening);
  if (plan.heading) blocks.push(`## ${plan.heading}`);
  blocks.push(list);
  if (plan.fillers > 0) {
    blocks.push(Array.from({ length: plan.fillers }, (_, i) => FILLERS[i % FILLERS.length]).join(" "));
  }
  if (plan.closing) blocks.push(plan.closing);
  const text = blocks.join("\n\n");
  return plan.case === "upper" ? text.toUpperCase() : plan.case === "lower" ? text.toLowerCase() : text;
}

export interface WorldResponse {
  text: string;
  /** Indices of the constraints the text fails (empty when it satisfies all). */
  failed: number[];
}

function verdict(ins: WorldInstruction, text: string): WorldResponse {
  const failed = checkAll(ins.constraints, text).flatMap((r, i) => (r.ok ? [] : [i]));
  return { text, failed };
}

/** The best answer the world can write. `failed` is non-empty only for unsatisfiable instructions. */
export function respond(ins: WorldInstruction, salt: string): WorldResponse {
  return verdict(ins, renderResponse(planResponse(ins, salt)));
}

/** The plan with the decision behind `c` flipped (the answer then normally fails `c` and only `c`). */
export function violatePlan(plan: ResponsePlan, c: Constraint, ins: WorldInstruction): ResponsePlan {
  const p: ResponsePlan = { ...plan, items: [...plan.items] };
  const spare = candidateItems(ins.task).filter((w) => !p.items.includes(w));
  const banned = new Set(ins.constraints.flatMap((x) => (x.kind === "exclude" ? [x.word] : [])));
  const spareAllowed = spare.filter((w) => !banned.has(w));
  switch (c.kind) {
    case "count":
      if (spareAllowed.length > 0) p.items.push(spareAllowed[0]);
      else p.items.pop();
      break;
    case "words_max":
      while (countAsciiWords(renderResponse(p)) <= c.n && p.fillers < 200) p.fillers++;
      break;
    case "words_min":
      p.fillers = 0;
      p.notes = false;
      while (countAsciiWords(renderResponse(p)) >= c.n && p.items.length > 1) p.items.pop();
      break;
    case "include":
      p.items = p.items.filter((w) => w !== c.word);
      if (spareAllowed.length > 0) p.items.push(spareAllowed.find((w) => w !== c.word) ?? spareAllowed[0]);
      break;
    case "exclude":
      if (p.items.length > 0) p.items[p.items.length - 1] = c.word;
      else p.items.push(c.word);
      break;
    case "format":
      p.format = c.format === "json" ? "bullets" : c.format === "bullets" ? "numbered" : "json";
      break;
    case "case":
      p.case = undefined;
      break;
    case "bold":
      p.bold = false;
      break;
    case "example":
      p.notes = false;
      break;
    case "opening":
      p.opening = undefined;
      break;
    case "closing":
      p.closing = undefined;
      break;
    case "heading":
      p.heading = undefined;
      break;
  }
  return p;
}

/**
 * An answer that violates constraint `index` (verified with its checker), or undefined when flipping that
 * decision does not break it (e.g. a minimum length the bare list already exceeds).
 */
export function respondViolating(ins: WorldInstruction, index: number, salt: string): WorldResponse | undefined {
  const c = ins.constraints[index];
  const text = renderResponse(violatePlan(planResponse(ins, salt), c, ins));
  if (checkConstraint(c, text).ok) return undefined;
  return verdict(ins, text);
}
