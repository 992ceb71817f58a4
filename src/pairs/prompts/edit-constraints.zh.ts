/** Chinese variant of the appendix D step 1 prompt (same slots and output contract as the English one). */
export const EDIT_CONSTRAINTS_ZH = `你是一名擅长编写多约束指令的专家。
下面给出一条指令（由任务描述、约束列表和可选的输入组成），以及一个满足全部约束的回复。

你的任务：使用操作 {{operation}} 修改约束列表，使给定的回复【不再】满足修改后的约束，同时新的约束列表对于同一任务描述和输入
仍然合理、自洽、可以被完成。
{{operation_rule}}

要求：
1. 不要修改任务描述和输入。
2. 修改后，给定回复必须至少违反一条新约束；请说明违反了哪一条以及原因。
3. 未修改的约束逐字保留，并保持原有顺序。
4. 新约束按 1、2、3……编号，每行一条。

#Task Description:
{{description}}

#Constraints:
{{constraints}}

#Input:
{{input}}

#Response:
{{response}}

请严格按以下格式作答：
<explain>回复违反新约束的原因</explain>
<result>
1. 第一条约束
2. 第二条约束
...
</result>`;

export const OPERATION_RULES_ZH: Record<"add" | "delete" | "revise", string> = {
  add: "ADD（新增）：在保留全部原有约束的基础上，新增一条或多条该回复不满足的约束。",
  delete:
    "DELETE（删除）：删除部分（不是全部）约束；删除后的约束列表必须改变正确回复的样子，使该回复不再符合（必要时可对剩余的某条约束做最小改写，使删除产生影响）。",
  revise: "REVISE（修改）：修改特定约束（数值、范围、关键词、格式或风格），使该回复不再满足；约束条数保持不变。",
};
