/** Chinese variant of the appendix C prompt (same slots and output contract as the English one). */
export const WORSE_ANSWER_ZH = `你正在帮助构建用于训练模型遵循复杂指令的偏好数据。
下面给出一条带有多个约束的指令，以及一个满足全部约束的回复。

请针对同一条指令写一个在【遵循约束】方面更差的回复：它必须违反一条或多条约束（例如超出字数限制、缺少要求的关键词、
不符合要求的格式、语气或结构），但仍然是通顺、看起来合理的任务回答。不要提及该回复是故意写差的。

#Instruction:
{{instruction}}

#Constraints:
{{constraints}}

#Response that satisfies all constraints:
{{response}}

请严格按以下格式作答：
<explain>你的回复违反了哪些约束、如何违反</explain>
<result>
更差的回复
</result>`;
