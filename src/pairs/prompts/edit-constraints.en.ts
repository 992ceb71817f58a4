/**
 * Appendix D, step 1 (IOPO data): from an instruction x1 = (task description, constraints, input) and its compliant
 * response y1, edit the constraints with ONE operation so that y1 no longer complies with the new constraints.
 * The task description and input stay unchanged: x2 = description + new constraints + input.
 * Slots: {{description}}, {{constraints}} (numbered lines), {{input}}, {{response}}, {{operation}},
 * {{operation_rule}}. Output contract: <explain>...</explain> then <result>numbered constraint lines</result>.
 */
export const EDIT_CONSTRAINTS_EN = `You are an expert in writing instructions with multiple constraints.
Below is an instruction made of a task description, a list of constraints and an optional input, together with a
response that satisfies every constraint.

Your job: change the constraints with the operation {{operation}} so that the given response NO LONGER satisfies
the new list of constraints, while the new list stays reasonable, self-consistent and answerable for the same task
description and input.
{{operation_rule}}

Requirements:
1. Do not change the task description or the input.
2. After your change, the given response must violate at least one of the new constraints; explain which one and why.
3. Keep the constraints that you do not change word for word, in their original order.
4. Number the new constraints 1, 2, 3, ... one per line.

#Task Description:
{{description}}

#Constraints:
{{constraints}}

#Input:
{{input}}

#Response:
{{response}}

Answer in exactly this format:
<explain>why the response violates the new constraints</explain>
<result>
1. first constraint
2. second constraint
...
</result>`;

/** The per-operation rule inserted into {{operation_rule}}. */
export const OPERATION_RULES_EN: Record<"add" | "delete" | "revise", string> = {
  add: "ADD: add one or more NEW constraints (keep all existing ones) that the response does not satisfy.",
  delete:
    "DELETE: delete some (not all) of the constraints; the remaining list must change what a correct response " +
    "looks like so that the response no longer fits (for example, it relied on a deleted constraint that the " +
    "remaining ones now contradict, or you may reword one remaining item minimally to make the deletion matter).",
  revise:
    "REVISE: revise specific constraints (change their values, ranges, keywords, format or style) so that the " +
    "response no longer satisfies them; keep the number of constraints the same.",
};
