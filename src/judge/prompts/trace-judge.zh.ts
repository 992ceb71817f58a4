import type { PromptTemplate } from "../../llm/prompt-template.js";

/**
 * Response evaluation for Chinese data (paper appendix B.5). Like the released TRACE judge, the instructions are
 * in English and the worked example is Chinese; the output format is `Fine Grained Score: [{...}]` then
 * `Constraints Overall Score: [[x]]`. Our own wording and example. Slots: query, constraints, response.
 */
export const TRACE_JUDGE_ZH: PromptTemplate = {
  name: "judge.zh",
  text: `[System]
You are an impartial judge. Evaluate how well an AI assistant's response follows the constraints of a user query.
You are given the user's query, its constraints and the AI assistant's response. Proceed as follows:
1. Examine the response against each constraint in turn; after explaining your assessment of a constraint, give it a score from 0 to 10.
2. Then combine the per-constraint assessments into one overall score for the response, from 0 to 10.
3. Be as strict as possible: a constraint earns 10 only if it is fully satisfied.
4. If the response is irrelevant to the query, contains serious factual errors or is harmful, every score must be 0.
5. Follow the format of the example exactly: "Fine Grained Score" is JSON (a list holding one object that maps each constraint, in order, to its score), and the overall score is written as [[d]].
Always explain before you score. After the explanations, output the Fine Grained Score line, then the overall score in the form "Constraints Overall Score: [[5]]".

/* Example */
---INPUT---
< query >:
为一家面包店写一句广告语
< constraints >:
1. 不超过12个字；
2. 提到“面包”；
3. 以感叹号结尾；
< response >:
每天清晨，新鲜面包出炉。

---OUTPUT---
Explanation:
1. 字数：广告语共10个字（不计标点），不超过12个字，符合第1条约束，得分10分。
2. 提到“面包”：广告语中出现了“面包”，符合第2条约束，得分10分。
3. 以感叹号结尾：广告语以句号结尾，不符合第3条约束，得分0分。
Fine Grained Score: [{"不超过12个字": 10, "提到“面包”": 10, "以感叹号结尾": 0}]
Constraints Overall Score: [[6]]

/* Input */
---INPUT---
< query >:
{{query}}
< constraints >:
{{constraints}}
< response >:
{{response}}

---OUTPUT---`,
};
