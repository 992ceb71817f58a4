import type { ChatRequest } from "../../src/llm/types.js";

/**
 * A deterministic stand-in for the construction and judge LLMs: recognises which stage a request comes from and
 * answers in that stage's format. The reply depends only on the request, never on call order, so runs are
 * reproducible. Markers in a seed instruction script the outcome:
 *   INCOMPLETE -> completeness judge says Incomplete;  REDUNDANT -> redundancy judge says Redundant;
 *   FAILJUDGE -> one constraint scores 0;  BADJUDGE -> unreadable judge output;  BADEXPAND -> no <result>;
 *   SKIPME -> the structurer skips the instruction (#Skip:);  UNFAITHFUL / INCONSISTENT -> the optional judges fail it.
 */
export function traceResponder(req: ChatRequest): string {
  const user = req.messages.filter((m) => m.role === "user").at(-1)?.content ?? "";
  const system = req.messages.find((m) => m.role === "system")?.content;
  if (system === "You are a helpful assistant.") {
    return `Here is my answer to: ${user.split("\n")[0]}`;
  }
  if (user.includes("---OUTPUT---") && user.includes("Fine Grained Score")) {
    const input = user.slice(user.lastIndexOf("/* Input */"));
    const block = input.slice(input.indexOf("< constraints >:") + 17, input.indexOf("< response >:"));
    const n = block.split("\n").filter((l) => l.trim() !== "").length;
    if (input.includes("BADJUDGE")) return "I cannot evaluate this.";
    const scores = Array.from({ length: n }, (_, i) => (input.includes("FAILJUDGE") && i === 0 ? 0 : 10));
    const obj = scores.map((s, i) => `"constraint ${i + 1}": ${s}`).join(", ");
    return `Explanation:\n${scores.map((s, i) => `${i + 1}. score ${s}`).join("\n")}\nFine Grained Score: [{${obj}}]\nConstraints Overall Score: [[${Math.min(...scores)}]]`;
  }
  if (user.includes("<tag>: Complete")) {
    return `<explain>checked</explain>\n<tag>: ${user.includes("INCOMPLETE") ? "Incomplete" : "Complete"}`;
  }
  if (user.includes("<tag>: Faithful")) {
    return `<explain>checked</explain>\n<tag>: ${user.includes("UNFAITHFUL") ? "Unfaithful" : "Faithful"}`;
  }
  if (user.includes("<tag>: Consistent")) {
    return `<explain>checked</explain>\n<tag>: ${user.includes("INCONSISTENT") ? "Inconsistent" : "Consistent"}`;
  }
  if (user.includes("<tag>: Redundant")) {
    return `<explain>checked</explain>\n<tag>: ${user.includes("REDUNDANT") ? "Redundant" : "Not Redundant"}`;
  }
  if (user.includes("#Task Description: <")) {
    const at = Math.max(user.lastIndexOf("\n\nInstruction:\n"), user.lastIndexOf("\n\n指令：\n"));
    const instr = user.slice(at + 2).replace(/^(Instruction|指令)[:：]\n/, "");
    if (instr.includes("SKIPME")) return "#Skip: the instruction contradicts itself";
    const [task, ...cons] = instr.split("\n");
    const tags = ["Numerical", "Inclusion", "Tone and Style"];
    const tagged = cons.map((c, i) => `${c} [${tags[i % tags.length]}]`);
    return `#Task Description: ${task.replace(/^(Instruction|指令)[:：]/, "").trim()}\n#Constraints:\n${tagged.join("\n")}\n#Input: NULL`;
  }
  if (user.includes("<result></result>")) {
    const seed = user
      .slice(user.search(/(Simple instruction:|简单指令：)\n/))
      .split("\n")
      .slice(1)
      .join("\n")
      .trim();
    if (seed.includes("BADEXPAND")) return "Sure! Here you go.";
    const count = Number(/exactly (\d+) constraints|恰好添加 (\d+) 条约束/.exec(user)?.slice(1).find(Boolean) ?? 2);
    const cons = Array.from({ length: count }, (_, i) => `${i + 1}. Constraint ${i + 1} for "${seed}".`);
    return `<explain>adding ${count} constraints</explain>\n<result>${seed}\n${cons.join("\n")}</result>`;
  }
  return "unrecognised request";
}
