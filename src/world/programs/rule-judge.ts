import { TRACE_JUDGE_EN } from "../../judge/prompts/trace-judge.en.js";
import { TRACE_JUDGE_ZH } from "../../judge/prompts/trace-judge.zh.js";
import { checkConstraint, parseConstraint, stripLineNumber } from "../constraint.js";
import { byTemplates, type WorldProgram } from "./program.js";

/**
 * Rule judge (appendix B.5, the paper's GPT-4o as response evaluator): scores each constraint 10 when the
 * world's checker passes the response and 0 when it fails, explains each verdict first, then writes
 * `Fine Grained Score: [{...}]` and `Constraints Overall Score: [[x]]` (10 when every constraint scores 10, else
 * the rounded mean, at most 9). A constraint line it cannot read as world language scores 0 and says so.
 */
export function judgeReply(constraintLines: readonly string[], response: string): string {
  const verdicts = constraintLines.map((line) => {
    const text = stripLineNumber(line);
    const c = parseConstraint(line);
    if (!c) return { text, score: 0, why: "this is not a constraint the world can check" };
    const r = checkConstraint(c, response);
    return { text, score: r.ok ? 10 : 0, why: r.why };
  });
  const explanation = verdicts
    .map((v, i) => `${i + 1}. ${v.text} - ${v.why}, so it is ${v.score === 10 ? "" : "not "}met. Score ${v.score}.`)
    .join("\n");
  const fine = verdicts.map((v) => `${JSON.stringify(v.text)}: ${v.score}`).join(", ");
  const mean = verdicts.length === 0 ? 0 : verdicts.reduce((a, v) => a + v.score, 0) / verdicts.length;
  const overall = verdicts.length > 0 && verdicts.every((v) => v.score === 10) ? 10 : Math.min(9, Math.round(mean));
  return `Explanation:\n${explanation}\nFine Grained Score: [{${fine}}]\nConstraints Overall Score: [[${overall}]]`;
}

export const ruleJudgeProgram: WorldProgram = {
  stage: "judge",
  role: "judge",
  recognise: byTemplates(TRACE_JUDGE_EN.text, TRACE_JUDGE_ZH.text),
  answer(slots) {
    const lines = slots.constraints.split("\n").filter((l) => l.trim() !== "");
    return judgeReply(lines, slots.response);
  },
};
