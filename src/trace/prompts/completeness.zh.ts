import type { PromptTemplate } from "../../llm/prompt-template.js";

/** Quality control, completeness, Chinese variant (paper appendix B.3). Verdict `<tag>: Complete|Incomplete`. */
export const COMPLETENESS_ZH: PromptTemplate = {
  name: "completeness.zh",
  text: `你是一名严格的数据质检员。下面是一条由任务描述、约束和输入三部分组成的指令（输入可以为 NULL）。
请判断这条指令是否完整，即不借助任何其他信息就能照着完成：
1. 任务描述给出了明确的任务。
2. 任务或约束中提到的一切材料（文本、文章、表格、数据、待处理的列表）都在输入或指令中给出。
3. 如果有输入，它正是任务描述要求处理的内容。
只要有一项不满足，该指令即不完整。

示例："#Task Description: 用三句话概括下面的文章。#Constraints: 1. 语气保持中立。#Input: NULL" 判为 Incomplete：缺少要概括的文章。
示例："#Task Description: 为一家面包店想三个名字。#Constraints: 1. 每个名字不超过四个字。#Input: NULL" 判为 Complete：该任务不需要输入。

先在 <explain></explain> 中说明检查过程，最后单独一行输出以下二者之一：
<tag>: Complete
或
<tag>: Incomplete

指令：
{{structured}}`,
};
