/** Chinese variant of the appendix D step 1 prompt (same slots and output contract as the English one). */
export const EDIT_CONSTRAINTS_ZH = `你是一名擅长编写多约束指令的专家。
下面给出一条指令（由任务描述、约束列表和可选的输入组成），以及一个满足全部约束的回复。

你的任务：使用操作 {{operation}} 修改约束列表，具体要求如下：
{{operation_rule}}
新的约束列表对于同一任务描述和输入仍须合理、自洽、可以被完成。

要求：
1. 不要修改任务描述和输入。
2. 该操作不涉及的约束逐字保留，并保持原有顺序。
3. 新约束按 1、2、3……编号，每行一条。

#Task Description:
{{description}}

#Constraints:
{{constraints}}

#Input:
{{input}}

#Response:
{{response}}

请严格按以下格式作答：
<explain>你做了哪些修改，以及它们对给定回复的影响</explain>
<result>
1. 第一条约束
2. 第二条约束
...
</result>`;

export const OPERATION_RULES_ZH: Record<"add" | "delete" | "revise", string> = {
  add: "ADD（新增）：保留全部原有约束不变，新增一条或多条约束；给定回复必须【不】满足其中至少一条新约束，并说明是哪一条及原因。",
  delete:
    "DELETE（删除）：删除一条或多条原有约束（不能全部删除），其余内容一律不变：剩下的每条约束都逐字照抄，不得改写、合并或新增。给定回复仍会满足删减后的列表，这是预期的；请优先删除影响回复形态的约束，使按新列表作答的回复会有所不同。请说明删除了哪些约束。",
  revise:
    "REVISE（修改）：改写特定约束（数值、范围、关键词、格式或风格），使给定回复不再满足；约束条数保持不变，其余约束不变。请说明回复现在违反了哪一条约束及原因。",
};
