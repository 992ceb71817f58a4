/**
 * Appendix D, step 1 (IOPO data): from an instruction x1 = (task description, constraints, input) and its compliant
 * response y1, edit the constraints with ONE operation: ADD new items, DELETE some items, or REVISE specific items.
 * The task description and input stay unchanged: x2 = description + new constraints + input. ADD and REVISE make
 * y1 fail the new list; DELETE is pure (remove items, change nothing else), so y1 still satisfies the shorter list
 * and the group's input preference comes from y2 failing x1 (the group reading of the rationality check).
 * Slots: {{description}}, {{constraints}} (numbered lines), {{input}}, {{response}}, {{operation}},
 * {{operation_rule}}. Output contract: <explain>...</explain> then <result>numbered constraint lines</result>.
 */
export const EDIT_CONSTRAINTS_EN = `You are an expert in writing instructions with multiple constraints.
Below is an instruction made of a task description, a list of constraints and an optional input, together with a
response that satisfies every constraint.

Your job: edit the list of constraints with the operation {{operation}}, as described here:
{{operation_rule}}
The new list must stay reasonable, self-consistent and answerable for the same task description and input.

Requirements:
1. Do not change the task description or the input.
2. Copy every constraint that the operation does not touch word for word, in its original order.
3. Number the new constraints 1, 2, 3, ... one per line.

#Task Description:
{{description}}

#Constraints:
{{constraints}}

#Input:
{{input}}

#Response:
{{response}}

Answer in exactly this format:
<explain>what you changed and how it affects the given response</explain>
<result>
1. first constraint
2. second constraint
...
</result>`;

/** The per-operation rule inserted into {{operation_rule}}. */
export const OPERATION_RULES_EN: Record<"add" | "delete" | "revise", string> = {
  add:
    "ADD: add one or more NEW constraints and keep all existing ones unchanged. The given response must NOT " +
    "satisfy at least one of the new constraints; say which one and why.",
  delete:
    "DELETE: remove one or more of the existing constraints (never all of them) and change nothing else: every " +
    "remaining constraint is copied exactly as written, with no rewording, merging or new item. The given " +
    "response will still satisfy the shorter list, which is expected; prefer removing constraints that shape " +
    "the response, so that an answer written for the shorter list would look different. Say which you removed.",
  revise:
    "REVISE: rewrite specific constraints (change their values, ranges, keywords, format or style) so that the " +
    "given response no longer satisfies them; keep the number of constraints the same and leave the others " +
    "unchanged. Say which constraint the response now violates and why.",
};
