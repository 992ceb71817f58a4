import { type BuildContext, DEFAULT_BUILD_CONTEXT } from "./instruction.js";
import { pyStrip } from "./pystr.js";
import { buildInstruction } from "./registry.js";

/** One prompt with its instructions (a line of IFEval's input_data.jsonl). */
export interface IfevalPrompt {
  key?: number;
  prompt: string;
  instruction_id_list: string[];
  kwargs: Record<string, unknown>[];
}

/**
 * The verdicts on one response, in the reference's OutputExample shape. Field order is the reference's output order
 * (it writes `dir(o)`, i.e. alphabetical).
 */
export interface PromptResult {
  follow_all_instructions: boolean;
  follow_instruction_list: boolean[];
  instruction_id_list: string[];
  prompt: string;
  response: string;
}

export type Mode = "strict" | "loose";

/**
 * The loose-mode variants of a response, in the reference's order: the response, all `*` removed, first line removed,
 * last line removed, both removed (each of those three stripped), and those three with all `*` removed.
 */
export function looseVariants(response: string): string[] {
  const lines = response.split("\n");
  const removeFirst = pyStrip(lines.slice(1).join("\n"));
  const removeLast = pyStrip(lines.slice(0, -1).join("\n"));
  const removeBoth = pyStrip(lines.slice(1, -1).join("\n"));
  const noStars = (s: string) => s.replaceAll("*", "");
  return [
    response,
    noStars(response),
    removeFirst,
    removeLast,
    removeBoth,
    noStars(removeFirst),
    noStars(removeLast),
    noStars(removeBoth),
  ];
}

/**
 * Score one response. Strict: the instruction holds on the response itself, which must not be blank (so an empty
 * response fails every instruction, even no_comma). Loose: it holds on some non-blank loose variant. Every
 * instruction gets a fresh checker built from its own kwargs.
 */
export function evaluateResponse(
  input: IfevalPrompt,
  response: string,
  mode: Mode,
  context: BuildContext = DEFAULT_BUILD_CONTEXT,
): PromptResult {
  const candidates = (mode === "strict" ? [response] : looseVariants(response)).filter((r) => pyStrip(r) !== "");
  const follow = input.instruction_id_list.map((id, i) => {
    const instruction = buildInstruction(id, input.kwargs[i] ?? {}, context);
    return candidates.some((r) => instruction.check(r));
  });
  return {
    follow_all_instructions: follow.every(Boolean),
    follow_instruction_list: follow,
    instruction_id_list: input.instruction_id_list,
    prompt: input.prompt,
    response,
  };
}

export interface CountAccuracy {
  total: number;
  correct: number;
  accuracy: number;
}

export interface Accuracy {
  /** Share of prompts whose every instruction is followed. */
  prompt_level: CountAccuracy;
  /** Share of all instructions followed (micro average; an id repeated in one prompt counts each time). */
  instruction_level: CountAccuracy;
  /** Per instruction id (e.g. "keywords:existence"), sorted by id. */
  per_instruction: Record<string, CountAccuracy>;
  /** Per id group (the part before ":", e.g. "keywords"), sorted. */
  per_group: Record<string, CountAccuracy>;
}

function ratio(correct: number, total: number): CountAccuracy {
  return { total, correct, accuracy: total === 0 ? 0 : correct / total };
}

function sortedRecord(counts: Map<string, [number, number]>): Record<string, CountAccuracy> {
  const out: Record<string, CountAccuracy> = {};
  for (const k of [...counts.keys()].sort()) {
    const [correct, total] = counts.get(k)!;
    out[k] = ratio(correct, total);
  }
  return out;
}

/** Prompt-level, instruction-level, per-id and per-group accuracy, as the reference's report computes them. */
export function summarize(results: readonly PromptResult[]): Accuracy {
  let promptCorrect = 0;
  let instTotal = 0;
  let instCorrect = 0;
  const perId = new Map<string, [number, number]>();
  const perGroup = new Map<string, [number, number]>();
  const add = (m: Map<string, [number, number]>, k: string, ok: boolean) => {
    const c = m.get(k) ?? [0, 0];
    c[0] += ok ? 1 : 0;
    c[1] += 1;
    m.set(k, c);
  };
  for (const r of results) {
    if (r.follow_instruction_list.every(Boolean)) promptCorrect++;
    r.instruction_id_list.forEach((id, i) => {
      const ok = r.follow_instruction_list[i];
      instTotal++;
      if (ok) instCorrect++;
      add(perId, id, ok);
      add(perGroup, id.split(":")[0], ok);
    });
  }
  return {
    prompt_level: ratio(promptCorrect, results.length),
    instruction_level: ratio(instCorrect, instTotal),
    per_instruction: sortedRecord(perId),
    per_group: sortedRecord(perGroup),
  };
}
