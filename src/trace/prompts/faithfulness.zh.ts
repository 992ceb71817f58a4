import type { PromptTemplate } from "../../llm/prompt-template.js";

/** Optional structuring-faithfulness check, Chinese variant. Verdict `<tag>: Faithful|Unfaithful`. */
export const FAITHFULNESS_ZH: PromptTemplate = {
  name: "faithfulness.zh",
  text: `你是一名严格的数据质检员。下面是一条原始指令及其结构化版本（任务描述、约束、输入）。
请检查结构化版本是否忠实于原始指令：
1. 任务描述与原始指令要求的任务一致。
2. 原始指令中的每一条约束都出现在约束中，且没有凭空添加的约束。
3. 输入（如有）被完整抄写；原始指令没有输入时，输入为 NULL。

先在 <explain></explain> 中说明检查过程，最后单独一行输出以下二者之一：
<tag>: Faithful
或
<tag>: Unfaithful

原始指令：
{{instruction}}

结构化指令：
{{structured}}`,
};
