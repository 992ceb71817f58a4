import { parseTraceJudge } from "../../judge/parse-trace-judge.js";
import { buildTraceJudgePrompt, traceJudgeTemplate } from "../../judge/trace-judge.js";
import { templateHash } from "../../llm/prompt-template.js";
import { dimensionByLabel } from "../../taxonomy/index.js";
import type { TraceJudgeKit } from "./judge-kit.js";

/**
 * The TRACE judge kit on the shared modules: the B.5 judge prompt (zh/en templates) and its tolerant parser from
 * src/judge/, the 26-dimension taxonomy from src/taxonomy/.
 */
export const sharedJudgeKit: TraceJudgeKit = {
  source: "shared",
  templateHash: (lang) => templateHash(traceJudgeTemplate(lang)),
  buildPrompt: (input, lang) => buildTraceJudgePrompt(input, lang),
  parse: (raw, expectedCount) => {
    const p = parseTraceJudge(raw, expectedCount);
    return {
      scores: p.scores,
      overall: p.overall,
      raw: p.raw,
      ...(p.parse_error ? { parse_error: p.parse_error } : {}),
    };
  },
  dimension: (label) => {
    const d = dimensionByLabel(label);
    return d ? { key: d.key, name: d.name, type: d.type } : undefined;
  },
};
