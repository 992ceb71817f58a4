import { shortHash } from "../../util/hash.js";

/**
 * The ComplexBench extraction prompts (rule path), written for this project in the structure of upstream
 * `EXTRACTION_PROMPT` / `EXTRACTION_PROMPT_EACH` (evaluation/prompts/RAL_extractor.py): the judge copies,
 * verbatim and without any edit, the part of the response that the scoring question targets (even when it does
 * not satisfy the question); `all` when the target is the whole response, `None` when it is absent, and in the
 * each-variant several targets separated by `||`. Output: `【解释】…` then `【模型回复中评分问题的评测对象】`
 * and `评分对象：<span>`. Worked examples are our own. Slots {instruction} {response} {question}.
 */
const COMMON_HEAD = `你是一名信息抽取专家。下面会给你一条【输入指令】和对应的【模型回复】，还会给你一个【评分问题】。【评分问题】用来评测【模型回复】是否满足【输入指令】中的某一项要求。你的任务是：从【模型回复】中找出【评分问题】所针对的评测对象，并把它抽取出来。

例如，【模型回复】里有两首诗，如果【评分问题】是“模型写的第二首诗是否不超过20个字？”，你只需输出【模型回复】中的第二首诗；
又如，【评分问题】是“回复是否以“祝好”结尾？”，你只需输出【模型回复】结尾的**最后一句**。

**注意：你只能原样复制【模型回复】中连续的一段原文，严禁做任何修改、增加、删除或拼接。你的任务不是找出或改写出符合【评分问题】要求的内容，而是找出【评分问题】所针对的评测对象，即使它不符合要求也要照抄。你不需要判断【模型回复】是否满足【评分问题】。**
`;

const SINGLE_RULES = `如果评测对象是整个【模型回复】，请直接输出"all"。
如果评测对象在【模型回复】中不存在，请直接输出"None"。

**注意**：一般来说，“开头”指文段的第一句话（以第一个句号、问号、感叹号等结束），“结尾”指文段的最后一句话。

请先给出你的分析，再输出抽取结果。

### 输出格式：
【解释】
XXX

【模型回复中评分问题的评测对象】
评分对象：XXX

必须严格按照上述格式输出，不要输出多余的解释或标点。

### 例一

【输入指令】
为一家书店写一段开业致辞，以“各位来宾”开头，最后再为书店起一个不超过六个字的名字。

【模型回复】
各位来宾，大家上午好！今天，我们的小书店正式开门迎客了。感谢每一位朋友的支持。

书店名字：墨香小筑

【评分问题】
模型为书店起的名字是否不超过六个字？


【解释】
评分问题针对的是书店的名字，应只输出名字“墨香小筑”，不包括“书店名字：”这样的说明文字。

【模型回复中评分问题的评测对象】
评分对象：墨香小筑



### 例二

【输入指令】
用三句话介绍熊猫，并在全文中包含“竹子”一词。

【模型回复】
熊猫是中国特有的动物。它们最爱吃竹子。熊猫性情温和，深受人们喜爱。

【评分问题】
回复中是否包含“竹子”一词？


【解释】
评分问题考察的是整篇回复是否包含某个词，评测对象是整个【模型回复】，因此输出“all”。

【模型回复中评分问题的评测对象】
评分对象：all



### 例三

【输入指令】
先写一首关于月亮的短诗，再用一句英文总结这首诗。

【模型回复】
月光洒满窗台，思念随风飘来。

【评分问题】
模型给出的英文总结是否只有一句话？


【解释】
回复中没有英文总结，评测对象不存在，因此输出“None”。

【模型回复中评分问题的评测对象】
评分对象：None
`;

const EACH_RULES = `已知【模型回复】中存在多个评测对象，请用||把不同的评测对象分隔开。
如果评测对象在【模型回复】中不存在，请直接输出"None"。

**注意**：一般来说，“开头”指文段的第一句话（以第一个句号、问号、感叹号等结束），“结尾”指文段的最后一句话。

请先给出你的分析，再输出抽取结果。

### 输出格式：
【解释】
XXX

【模型回复中评分问题的评测对象】
评分对象：XXX||YYY

必须严格按照上述格式输出，不要输出多余的解释或标点。

### 例一

【输入指令】
列出三种常见的水果，每种水果用一句话描述，每句话以水果名称开头。

【模型回复】
1. 苹果：口感清脆，富含维生素。
2. 香蕉软糯香甜，适合做早餐。
3. 橙子：汁多味甜，酸甜可口。

【评分问题】
每句话是否都以水果名称开头？


【解释】
评测对象是每一条水果描述，应分别抽取三条描述。

【模型回复中评分问题的评测对象】
评分对象：1. 苹果：口感清脆，富含维生素。||2. 香蕉软糯香甜，适合做早餐。||3. 橙子：汁多味甜，酸甜可口。



### 例二

【输入指令】
为一款运动鞋写两条广告语，每条不超过十个字，用JSON输出，字段为“广告语”。

【模型回复】
{"广告语": ["轻盈每一步", "跑出你的风采"]}

【评分问题】
每条广告语是否都不超过十个字？


【解释】
评测对象是每一条广告语，应分别抽取两条广告语。

【模型回复中评分问题的评测对象】
评分对象："轻盈每一步"||"跑出你的风采"
`;

const TAIL = `

### 参考以上示例，抽取下面【模型回复】中【评分问题】所针对的评测对象。
**再次强调：只能原样复制【模型回复】中连续的原文片段，禁止任何修改、增加、删除或拼接；即使评测对象不符合【评分问题】的要求，也要照抄。**
**输出的评测对象中的每一个字都必须真实出现在【模型回复】中。**

【输入指令】
{instruction}

【模型回复】
{response}

【评分问题】
{question}


【解释】`;

export const COMPLEXBENCH_EXTRACTION_TEMPLATE = COMMON_HEAD + SINGLE_RULES + TAIL;
export const COMPLEXBENCH_EXTRACTION_EACH_TEMPLATE = COMMON_HEAD + EACH_RULES + TAIL;
export const COMPLEXBENCH_EXTRACTION_TEMPLATE_HASH = shortHash(COMPLEXBENCH_EXTRACTION_TEMPLATE);
export const COMPLEXBENCH_EXTRACTION_EACH_TEMPLATE_HASH = shortHash(COMPLEXBENCH_EXTRACTION_EACH_TEMPLATE);

/** Upstream picks the each-variant when the rule string contains "each". */
export function renderExtractionPrompt(rule: string, instruction: string, response: string, question: string) {
  const each = rule.includes("each");
  const template = each ? COMPLEXBENCH_EXTRACTION_EACH_TEMPLATE : COMPLEXBENCH_EXTRACTION_TEMPLATE;
  const slots: Record<string, string> = { instruction, response, question };
  return {
    prompt: template.replace(/\{(instruction|response|question)\}/g, (_, k: string) => slots[k]),
    templateHash: each ? COMPLEXBENCH_EXTRACTION_EACH_TEMPLATE_HASH : COMPLEXBENCH_EXTRACTION_TEMPLATE_HASH,
  };
}
