/**
 * Appendix C (DPO-series data): given an instruction and a response that satisfies all of its constraints, write a
 * WORSE response to the same instruction, worse specifically in complying with the constraints (it should still
 * look like a plausible attempt at the task, so the pair teaches constraint following rather than fluency).
 * Slots: {{instruction}} (the full rendered instruction), {{constraints}}, {{response}}.
 * Output contract: <explain>...</explain> then <result>the worse response</result>.
 */
export const WORSE_ANSWER_EN = `You are helping to build preference data for training models to follow complex instructions.
Below is an instruction with several constraints and a response that satisfies all of them.

Write a different response to the same instruction that is WORSE at complying with the constraints: it must violate
one or more of the constraints (for example break a length limit, miss a required keyword, ignore the required
format, tone or structure), while still being a fluent, plausible attempt at the task. Do not mention that the
response is deliberately flawed.

#Instruction:
{{instruction}}

#Constraints:
{{constraints}}

#Response that satisfies all constraints:
{{response}}

Answer in exactly this format:
<explain>which constraints your response violates and how</explain>
<result>
the worse response
</result>`;
