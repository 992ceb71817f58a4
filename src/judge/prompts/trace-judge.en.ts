import type { PromptTemplate } from "../../llm/prompt-template.js";

/**
 * Response evaluation (paper appendix B.5; same structure and output format as the released TRACE judge):
 * score each constraint 0-10 with an explanation first, then `Fine Grained Score: [{...}]` (a JSON list holding
 * one object, constraint -> score) and `Constraints Overall Score: [[x]]`. Our own wording; English worked example.
 * Slots: query (the full instruction), constraints (numbered lines), response.
 */
export const TRACE_JUDGE_EN: PromptTemplate = {
  name: "judge.en",
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
Write a slogan for a bakery.
< constraints >:
1. No more than 8 words;
2. Mention bread;
3. End with an exclamation mark;
< response >:
Fresh from our oven to your happy table every single morning.

---OUTPUT---
Explanation:
1. Length: the slogan has 11 words, more than 8, so constraint 1 is not met. Score 0.
2. Mentions bread: the slogan speaks of an oven but never says "bread", so constraint 2 is not met. Score 0.
3. Ends with an exclamation mark: it ends with a full stop, so constraint 3 is not met. Score 0.
Fine Grained Score: [{"No more than 8 words": 0, "Mention bread": 0, "End with an exclamation mark": 0}]
Constraints Overall Score: [[0]]

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
