import type { PromptTemplate } from "../../llm/prompt-template.js";

/**
 * Constraint expansion, Chinese variant (paper appendix B.1; TRACE data is mostly Chinese). Same structure and
 * slots as EXPAND_EN: taxonomy, instruction, count, dimensions. Output <explain>...</explain><result>...</result>.
 */
export const EXPAND_ZH: PromptTemplate = {
  name: "expand.zh",
  text: `你是一名擅长编写复杂指令的专家。你的任务是为一条简单指令添加约束，把它改写成一条复杂指令。

约束是回复必须满足的要求，分为以下类型和维度：
{{taxonomy}}

要求：
1. 保留原任务：改写后的指令与简单指令要求完成的是同一件事。
2. 恰好添加 {{count}} 条约束，优先选择这些维度：{{dimensions}}。所选约束要适合该任务。
3. 每条约束都要具体、可以在回复中检验，且不能与任务或其他约束相矛盾。
4. 约束之间不能重复，也不能只是复述任务本身。
5. 如果任务需要输入（文本、表格、待处理的数据），请把输入写进指令中。
6. 使用与简单指令相同的语言，以用户的口吻书写。

先在 <explain></explain> 中说明你添加了哪些约束以及原因，然后只在 <result></result> 中给出改写后的指令。

简单指令：
{{instruction}}`,
};
