import type { ChatRequest } from "../../src/llm/types.js";

/**
 * A deterministic stand-in for the constructor and judge LLMs of appendices C and D, for tests. Constraints are
 * tokens like `C1`, `C2`; a response "covers" a constraint when it contains `[token]`; the judge gives 10 to each
 * constraint whose token the response covers and 0 otherwise. The x2 editor ADDs `Cnew`, DELETEs the last item, or
 * REVISEs the last item into `<token>r`.
 */
export function toyReply(req: ChatRequest): string {
  const text = req.messages.map((m) => m.content).join("\n");
  if (text.includes("#Response:") && /operation (ADD|DELETE|REVISE)|操作 (ADD|DELETE|REVISE)/.test(text)) {
    const op = /(ADD|DELETE|REVISE)/.exec(text)![1];
    const block = text.split("#Constraints:")[1].split("#Input:")[0];
    const items = [...block.matchAll(/^\d+\. (C\w+)/gm)].map((m) => m[1]);
    if (op === "ADD") items.push("Cnew");
    if (op === "DELETE") items.pop();
    if (op === "REVISE") items[items.length - 1] = `${items[items.length - 1]}r`;
    return `<explain>edited</explain>\n<result>\n${items.map((t, i) => `${i + 1}. ${t}`).join("\n")}\n</result>`;
  }
  if (text.includes("#Response that satisfies all constraints:")) {
    const block = text.split("#Constraints:")[1].split("#Response that")[0];
    const items = [...block.matchAll(/^\d+\. (C\w+)/gm)].map((m) => m[1]);
    // Worse answer: drops the first constraint.
    return `<explain>drops ${items[0]}</explain>\n<result>\ncovers: ${items
      .slice(1)
      .map((t) => `[${t}]`)
      .join("")}\n</result>`;
  }
  if (text.includes("Constraints Overall Score")) {
    const items = [...text.matchAll(/^\d+\. (C\w+)\s*$/gm)].map((m) => m[1]);
    const uniq = [...new Set(items)];
    const response = /covers: ([^\n]*)/.exec(text)?.[1] ?? "";
    const scores: number[] = uniq.map((t) => (response.includes(`[${t}]`) ? 10 : 0));
    const fine = uniq.map((t, i) => `"${t}": ${scores[i]}`).join(", ");
    const overall = Math.round(scores.reduce((a, b) => a + b, 0) / Math.max(1, scores.length));
    return `Explanation: checked.\nFine Grained Score: [{${fine}}]\nConstraints Overall Score: [[${overall}]]`;
  }
  // Plain instruction: answer covering every constraint token of the user prompt.
  const user = req.messages.filter((m) => m.role === "user").at(-1)?.content ?? "";
  const items = [...user.matchAll(/^\d+\. (C\w+)/gm)].map((m) => m[1]);
  return `covers: ${items.map((t) => `[${t}]`).join("")}`;
}

/** A TRACE-like record whose response covers all of its constraints. */
export function toyRecord(id: string, tokens: string[]) {
  return {
    id,
    description: `Task ${id}`,
    constraints_splits: tokens.map((t, i) => `${i + 1}. ${t}`),
    input: "NULL",
    response: `covers: ${tokens.map((t) => `[${t}]`).join("")}`,
  };
}
