import type { PromptTemplate } from "../../llm/prompt-template.js";

/** Quality control, redundancy, Chinese variant (paper appendix B.4). Verdict `<tag>: Redundant|Not Redundant`. */
export const REDUNDANCY_ZH: PromptTemplate = {
  name: "redundancy.zh",
  text: `你是一名严格的数据质检员。下面是一条结构化指令（任务描述、约束、输入）。
请检查其中的约束是否冗余：
1. 两条或多条约束要求的是同一件事，或某条约束完全被另一条约束所蕴含。
2. 某条约束只是复述任务描述，并没有对回复提出限制。
3. 某条约束与其他约束或任务相矛盾，无法同时满足。
只要出现以上任意一种情况，即判定为冗余。

先在 <explain></explain> 中说明检查过程，最后单独一行输出以下二者之一：
<tag>: Redundant
或
<tag>: Not Redundant

结构化指令：
{{structured}}`,
};
