import { shortHash } from "../../util/hash.js";

/**
 * The ComplexBench yes/no judge prompt, written for this project in the structure of upstream
 * `EVALUATION_PROMPT` (evaluation/prompts/RAL_evaluator.py): an objective judge answers one scoring question
 * about the response (only that question, not the whole instruction); "是" only when the requirement is met
 * perfectly ("basically correct" is "否"); four rules (bullets need explicit symbols or numbers; "only language
 * X" fails on any word of another language; "每个/都" means every object; "模型是否正确判断…" questions check
 * the Selection branch taken); output `分析：xxx\n答案：是/否`; slots {input} {output} {question}. In `en` mode
 * upstream swaps in the English instruction and question but keeps this Chinese prompt; so do we.
 */
export const COMPLEXBENCH_JUDGE_TEMPLATE = `
请你作为一名客观、公正的评审，阅读**模型回复**，针对随后给出的**问题**，判断其答案是“是”还是“否”。
## 判断时请遵守以下规则：

- **问题**是**输入指令**拆分出来的一个得分点，只考察指令中的某一项具体要求。你只需判断这一项要求是否被满足，不必考虑**输入指令**中的其他要求是否完成。

示例：
    - **输入指令**：“写一句关于春天的七言诗句，并在末尾加上‘完’字。”
    - **模型回复**：“春风又绿江南岸。”
    - **问题**：“模型回复是否是一句关于春天的七言诗句？”
回复没有在末尾加“完”字，没有完成整个**输入指令**，但它确实是一句关于春天的七言诗句，满足了**问题**的要求，因此应回答“是”。凡是满足**问题**本身、但整体指令未完全完成的情况，都应回答“是”。

- 是：请仔细理解**问题**的含义，逐一核对**模型回复**，不放过任何细节，只关注当前**问题**。只有当回复完美、完整地满足了**问题**的要求时，才能回答“是”。只要存在任何错误或含糊之处，就不能回答“是”；不存在“基本正确”“大体正确”“某些条件下正确”这样的中间情况，这些情况都应回答“否”。

- 否：如果**模型回复**不满足当前**问题**的要求，或者回复中没有可以用来回答该问题的信息，回答“否”。
示例：**问题**是“回复的第三段是否以问句结尾？”，而**模型回复**只有两段，没有可供判断的信息，因此应回答“否”。

## 细则：
（1）判断回复是否“分点”时，必须有明确的项目符号或序号才算分点，回答“是”；仅使用“首先”“其次”“然后”“最后”等连接词不算分点，回答“否”。
（2）判断回复是否使用某种语言（如中文或英文）时，除非**输入指令**要求使用多种语言，否则必须全部使用该语言才能回答“是”；只要夹杂其他语言的词语，就回答“否”。
（3）如果**问题**中有“每个”“都”“所有”等表述，需要检查每一个对象，只要有一个对象不满足，就回答“否”；全部满足才回答“是”。
（4）对于以“模型是否正确判断”开头的**问题**，需要根据**输入指令**中各个选择分支的条件，判断模型是否进入了正确的分支：

示例：
**输入指令**：如果用户的问题与烹饪有关，请根据给出的菜谱信息回答，菜谱中没有答案时只回复“这个我还不会呢。”；如果用户的问题与烹饪无关，请直接回复“抱歉，我只回答烹饪问题。”
**问题**：模型是否正确判断用户问题与烹饪有关？
若模型根据菜谱作答，或回复了“这个我还不会呢。”，都说明它判断用户问题与烹饪有关，回答“是”；只有当模型回复“抱歉，我只回答烹饪问题。”时，才说明它判断错误，回答“否”。
模型进入了错误的分支，就应认定为回答错误，回答“否”。


## 输出格式
分析：xxx
答案：是/否

## 评判信息
**输入指令**
{input}

**模型回复**
{output}

**问题**
{question}

请先分析，再回答**模型回复**是否满足**问题**：
`;

export const COMPLEXBENCH_JUDGE_TEMPLATE_HASH = shortHash(COMPLEXBENCH_JUDGE_TEMPLATE);

export function renderComplexbenchJudgePrompt(input: string, output: string, question: string): string {
  const slots: Record<string, string> = { input, output, question };
  return COMPLEXBENCH_JUDGE_TEMPLATE.replace(/\{(input|output|question)\}/g, (_, k: string) => slots[k]);
}
