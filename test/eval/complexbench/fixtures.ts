import type { ComplexbenchRecord } from "../../../src/eval/complexbench/record.js";

type Q = { question: string; rule?: string | null; dims?: string[]; comp?: string[]; dep?: number[] };

function rec(
  main_id: number,
  category: string,
  task_types: string,
  composition_types: string[],
  group: string,
  qs: Q[],
): ComplexbenchRecord {
  return {
    main_id,
    group,
    idx_in_group: 0,
    instruction: `指令${main_id}`,
    instruction_en: `instruction ${main_id}`,
    task_types,
    constraint_dimensions: [],
    composition_types,
    category,
    scoring_questions: qs.map((q, i) => ({
      point_id: i,
      question: q.question,
      question_en: `Q${i}`,
      rule: q.rule ?? null,
      constraint_dimensions: q.dims ?? [],
      composition_types: q.comp ?? [],
      dep: q.dep ?? [],
    })),
  };
}

/**
 * Five records in the upstream format whose metrics are computed by hand in the tests. The intended verdicts
 * are in the question texts ("[T]", "[F]"); rule questions carry their own rule.
 */
export const records: ComplexbenchRecord[] = [
  rec(0, "And_1", "Creative Writing", ["And"], "g0", [
    { question: "[T] 是否包含关键词？", dims: ["Keywords"], comp: ["And"] },
    { question: "是否不超过5个字？", rule: "model_length:[1,5]", dims: ["Length"], comp: ["And"] },
    { question: "[T] 主题是否是春天？", dims: ["Topic"], comp: ["And"] },
  ]),
  rec(1, "Chain_2", "Logical Reasoning", ["Chain"], "g1", [
    { question: "[F] 第一步是否正确？", dims: ["Helpfulness"], comp: ["Chain"] },
    { question: "[T] 第二步是否正确？", dims: ["Helpfulness"], comp: ["Chain"], dep: [0] },
    { question: "[T] 第三步是否正确？", dims: ["Helpfulness"], comp: ["Chain"], dep: [1] },
  ]),
  rec(2, "Selection_1", "Professional Writing", ["Selection"], "s1", [
    { question: "[T] 模型是否正确判断用户问题和旅游相关？", comp: ["Selection"] },
    { question: "是否以“攻略”开头？", rule: "model_startswith:攻略", dims: ["Length"], dep: [0] },
  ]),
  rec(3, "Selection_1", "Professional Writing", ["Selection"], "s1", [
    { question: "[F] 模型是否正确判断用户问题和旅游相关？", comp: ["Selection"] },
    { question: "[T] 攻略是否风格轻松？", dims: ["Length"], dep: [0] },
  ]),
  rec(4, "Selection_2", "Custom Writing", ["Selection", "And"], "s2", [
    { question: "[T] 模型是否正确判断第一个条件？", comp: ["Selection"] },
    { question: "[T] 模型是否正确判断第二个条件？", comp: ["Selection"] },
    { question: "是否满足未知规则？", rule: "model_unknown_rule:[1]", dims: ["Length"], dep: [0, 1] },
  ]),
];

/** The responses the rule questions are checked on: record 0 is 6 characters (fails [1,5]); record 2 starts with 攻略. */
export const responses = ["春天来了呀！", "推理过程", "攻略：第一天去西湖。", "这个问题我不太了解呢。", "回答"];
