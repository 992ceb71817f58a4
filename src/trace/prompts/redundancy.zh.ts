import type { PromptTemplate } from "../../llm/prompt-template.js";

/** Quality control, redundancy, Chinese variant (paper appendix B.4). Verdict `<tag>: Redundant|Not Redundant`. */
export const REDUNDANCY_ZH: PromptTemplate = {
  name: "redundancy.zh",
  text: `你是一名严格的数据质检员。下面是一条由任务描述、约束和输入三部分组成的指令（输入可以为 NULL）。
请判断这条指令是否冗余，即同一信息是否在不同部分中重复给出：
1. 某项要求既出现在任务描述中，又出现在约束中。
2. 某条约束只是复述任务描述，并没有对回复提出限制。
3. 输入中的内容又在任务描述或约束中重复出现。
只要出现以上任意一种情况，即判定为冗余。

示例："#Task Description: 写一首四行的秋天小诗。#Constraints: 1. 诗歌恰好四行。2. 提到落叶。#Input: NULL" 判为 Redundant：四行的要求出现了两次。
示例："#Task Description: 写一首关于秋天的小诗。#Constraints: 1. 诗歌恰好四行。2. 提到落叶。#Input: NULL" 判为 Not Redundant。

先在 <explain></explain> 中说明检查过程，最后单独一行输出以下二者之一：
<tag>: Redundant
或
<tag>: Not Redundant

指令：
{{structured}}`,
};
