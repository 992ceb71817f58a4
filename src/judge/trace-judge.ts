import { fillTemplate, type PromptTemplate } from "../llm/prompt-template.js";
import type { PromptLang } from "../taxonomy/render.js";
import { TRACE_JUDGE_EN } from "./prompts/trace-judge.en.js";
import { TRACE_JUDGE_ZH } from "./prompts/trace-judge.zh.js";

export function traceJudgeTemplate(lang: PromptLang): PromptTemplate {
  return lang === "zh" ? TRACE_JUDGE_ZH : TRACE_JUDGE_EN;
}

/**
 * Constraint lines as the judge sees them: numbered `k. text` so that its scores can be matched by position.
 * Lines that already carry their own number (2,303 of the released constraints do) are kept as written.
 */
export function numberConstraints(constraints: readonly string[]): string {
  return constraints.map((c, i) => (/^\s*\d+[.、．)]/.test(c) ? c : `${i + 1}. ${c}`)).join("\n");
}

export interface TraceJudgeInput {
  /** The full instruction the model answered (rendered description + constraints + input). */
  query: string;
  constraints: readonly string[];
  response: string;
}

/** The B.5 judge prompt for one response, sent as a single user message. */
export function buildTraceJudgePrompt(input: TraceJudgeInput, lang: PromptLang): string {
  return fillTemplate(traceJudgeTemplate(lang), {
    query: input.query,
    constraints: numberConstraints(input.constraints),
    response: input.response,
  });
}
