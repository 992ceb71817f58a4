import type { PromptTemplate } from "../../llm/prompt-template.js";

/**
 * Instruction structuring, Chinese variant (paper appendix B.2). Same output layout as STRUCTURE_EN, including the
 * `#Skip: <reason>` answer for a poor, incomplete or contradictory instruction.
 */
export const STRUCTURE_ZH: PromptTemplate = {
  name: "structure.zh",
  text: `你是一名擅长分析指令的专家。请先评估下面的指令：如果它质量很差、不完整（提到了却没有给出所需的材料）或自相矛盾（其中两项要求无法同时满足），就不要拆分，只输出这一行：
#Skip: <简短原因>

否则请把它拆分为三部分：
- Task Description：用户要求完成的任务本身，不包含任何约束，也不包含输入。
- Constraints：回复必须满足的全部要求，每行一条，按 1.、2.、3. …… 编号；逐条如实抄写，不要增加、合并或遗漏。每条约束末尾用方括号标注其所属维度，取值为：{{dimensions}}。
- Input：任务要处理的材料（文本、表格、数据），原样抄写；没有输入时写 NULL。
同一信息不得同时出现在两个部分中，三部分合起来的含义必须与原指令完全一致。

严格按以下格式回答，不要输出其他内容：
#Task Description: <任务描述>
#Constraints:
1. <约束> [<维度>]
2. <约束> [<维度>]
#Input: <输入或 NULL>

指令：
{{instruction}}`,
};
