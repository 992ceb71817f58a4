import type { PromptTemplate } from "../../llm/prompt-template.js";

/** Optional constraint-consistency check, Chinese variant. Verdict `<tag>: Consistent|Inconsistent`. */
export const CONSISTENCY_ZH: PromptTemplate = {
  name: "consistency.zh",
  text: `你是一名严格的数据质检员。下面是一条结构化指令（任务描述、约束、输入）。
请检查各条约束之间的关系：
1. 两条或多条约束要求的是同一件事，或某条约束完全被另一条约束所蕴含。
2. 某条约束与其他约束或任务相矛盾，无法同时满足。
只要出现以上任意一种情况，即判定为不一致。

先在 <explain></explain> 中说明检查过程，最后单独一行输出以下二者之一：
<tag>: Consistent
或
<tag>: Inconsistent

结构化指令：
{{structured}}`,
};
