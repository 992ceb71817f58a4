import type { CfbenchRecord } from "../../../src/eval/cfbench/record.js";

// Three records in the upstream format (field names and priorities as in data/cfbench_data.json).
export const records: CfbenchRecord[] = [
  {
    idx: 0,
    prompt: "写一首关于秋天的五言绝句。",
    isanswer: "否",
    gold: "",
    doamin: "文学",
    scenario: "诗歌",
    source: "tob",
    split: "easy",
    criteria: [
      ["主题是秋天", "主需", "内容约束", "主题约束"],
      ["是五言绝句", "主需", "格式约束", "自定义格式约束"],
      ["语言优美", "次需", "风格约束", "语言风格约束"],
    ],
  },
  {
    idx: 1,
    prompt: "用一句话介绍长城，不超过20个字。",
    isanswer: "否",
    gold: "",
    doamin: "通用",
    scenario: "其他",
    source: "tob",
    split: "hard",
    criteria: [
      ["介绍长城", "主需", "内容约束", ""],
      ["只有一句话", "次需", "数值约束", ""],
      ["不超过20个字", "次需", "数值约束", ""],
    ],
  },
  {
    idx: 2,
    prompt: "把“你好”翻译成英文。",
    isanswer: "是",
    gold: "Hello",
    doamin: "翻译",
    scenario: "其他",
    source: "nlp_cif",
    split: "hard",
    criteria: [
      ["翻译正确", "主需", "内容约束", ""],
      ["只输出译文", "次需", "格式约束", ""],
    ],
  },
];

/** Pull the criteria out of a rendered judge prompt (the last [评估标准] slot). */
export function criteriaOf(prompt: string): string[] {
  const body = prompt.slice(prompt.lastIndexOf("[评估标准]: ") + 8, prompt.lastIndexOf("\n\n[你的评估]"));
  return body.split("\n\n");
}

/** Pull the model's answer out of a rendered judge prompt. */
export function responseOf(prompt: string): string {
  return prompt.slice(prompt.lastIndexOf("[模型答案]: ") + 8, prompt.lastIndexOf("\n\n[评估标准]"));
}
