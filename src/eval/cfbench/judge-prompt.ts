import { shortHash } from "../../util/hash.js";

/**
 * The CFBench judge prompt, written for this project in the structure of upstream `gpt_judge_for_cfbench`
 * (code/evalaute.py): a Chinese quality-evaluator role scoring the model answer 0/1 against each checkpoint,
 * the output rule "one `<checkpoint>\t<0|1>` line per checkpoint, in order, lines separated by a blank line
 * (\n\n), nothing else", two worked examples in that shape, then the four slots [用户指令] [参考答案] [模型答案]
 * [评估标准] (checkpoint texts joined by "\n\n") and the cue [你的评估]. Upstream's few-shot shows the tab and
 * newlines as escaped `\t` / `\n\n` text; ours shows real ones, which is what the strict parser expects.
 */
const HEADER = `我想请你担任一名质量评估员。请结合[用户指令]、[参考答案]、[模型答案]和[评估标准]，对[模型答案]逐条打分，每条只能是0或1。
说明：[参考答案]与[模型答案]都是针对[用户指令]的回复；[评估标准]列出了[模型答案]需要满足、需要被逐一考察的考察点。请严格依照[评估标准]中的每一条考察点给[模型答案]打分：完全满足记1，否则记0。
注意：如果[参考答案]为空，则评估时不参考[参考答案]。
输出格式：1. 严格按照[评估标准]中考察点的顺序，每条考察点输出一行，行与行之间用一个空行分隔（即用"\\n\\n"分隔）；
        2. 每行先原样写出[评估标准]中对应考察点的文字，然后写一个制表符（\\t），再写该条的打分，0或1；
        3. 只输出评估结果，不要输出任何其他内容。

请参考下面的样例。

[样例1]:
    [用户指令]: 把句子“今天下雨了”翻译成英文，只输出译文。

    [参考答案]: It rained today.

    [模型答案]: 译文如下：It is raining today.

    [评估标准]:
    译文意思与原句一致，时态正确

    只输出译文，没有多余内容

    [你的评估]:
    译文意思与原句一致，时态正确\t0

    只输出译文，没有多余内容\t0

[样例2]:
    [用户指令]: 为一家咖啡店写三条宣传标语，每条不超过10个字，用JSON列表输出。

    [参考答案]: 

    [模型答案]: ["醒来，从一杯咖啡开始", "香浓每一刻", "慢下来，品生活"]

    [评估标准]:
    写出三条宣传标语

    标语与咖啡店相关

    每条标语不超过10个字

    以JSON列表格式输出

    [你的评估]:
    写出三条宣传标语\t1

    标语与咖啡店相关\t1

    每条标语不超过10个字\t1

    以JSON列表格式输出\t1
`;

export const CFBENCH_JUDGE_TEMPLATE =
  HEADER +
  "\n[用户指令]: {prompt}\n\n[参考答案]: {gold}\n\n[模型答案]: {response}\n\n[评估标准]: {criteria}\n\n[你的评估]: \n";

/** Hash of the template, recorded with every result and part of the cache key. */
export const CFBENCH_JUDGE_TEMPLATE_HASH = shortHash(CFBENCH_JUDGE_TEMPLATE);

/** Fill the judge prompt for one item (criteria texts joined by "\n\n", as upstream). */
export function renderCfbenchJudgePrompt(prompt: string, gold: string, response: string, criteria: string[]): string {
  const slots: Record<string, string> = { prompt, gold, response, criteria: criteria.join("\n\n") };
  // Single pass, so that braces inside the user's text are never re-substituted.
  return CFBENCH_JUDGE_TEMPLATE.replace(/\{(prompt|gold|response|criteria)\}/g, (_, k: string) => slots[k]);
}
