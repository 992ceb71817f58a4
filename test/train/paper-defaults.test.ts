import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadTrainConfig, PAPER_MAX_LENGTH } from "../../src/train/config.js";
import { loadTrainingData, trainingMethod } from "../../src/train/dataset.js";
import { computeLoss, defaultLossOptions, type Example, METHODS } from "../../src/train/losses/index.js";
import { DataPlan } from "../../src/train/plan.js";
import { rowTexts, type TrainRow } from "../../src/train/sequences.js";

const dir = mkdtempSync(join(tmpdir(), "iopo-paper-defaults-"));
const examples = join(import.meta.dirname, "..", "..", "examples");
const base = (method: string) => [
  "--model_name_or_path",
  "m",
  "--dataset",
  "d",
  "--output_dir",
  "o",
  "--method",
  method,
];

/** 5 IOPO groups on disk. */
const groupsFile = join(dir, "groups.jsonl");
const u = (t: string) => [{ role: "user", content: t }];
writeFileSync(
  groupsFile,
  Array.from({ length: 5 }, (_, i) =>
    JSON.stringify({
      id: `g${i}`,
      x1: { messages: u(`x1-${i}`) },
      y1: `y1-${i}`,
      x2: { messages: u(`x2-${i}`) },
      y2: `y2-${i}`,
    }),
  ).join("\n"),
);
const cfgFor = (method: string, extra: string[] = []) =>
  loadTrainConfig(undefined, [...base(method), "--dataset", groupsFile, ...extra]);
const steps = (c: ReturnType<typeof cfgFor>) => {
  const d = loadTrainingData(c);
  return new DataPlan(d.train.rows.length, 1, 1, c.num_train_epochs, c.max_steps, c.seed).totalSteps;
};

describe("training defaults are the paper's (section 6.1, Implementation Details)", () => {
  it("section 6.1: learning rate 1e-4 for SFT and 5e-6 for DPO and IOPO when the config sets none", () => {
    expect(loadTrainConfig(undefined, base("sft")).learning_rate).toBe(1e-4);
    for (const m of ["dpo", "iopo"]) expect(loadTrainConfig(undefined, base(m)).learning_rate).toBe(5e-6);
    // the other preference methods take the preference rate; an explicit rate always wins
    for (const m of METHODS.filter((m) => m !== "sft"))
      expect(loadTrainConfig(undefined, base(m)).learning_rate).toBe(5e-6);
    expect(loadTrainConfig(undefined, [...base("sft"), "--learning_rate", "2e-5"]).learning_rate).toBe(2e-5);
  });

  it("section 6.1: maximum length 6,000, 3 epochs, beta 0.1", () => {
    const c = loadTrainConfig(undefined, base("iopo"));
    expect(PAPER_MAX_LENGTH).toBe(6000);
    expect(c.max_length).toBe(6000);
    expect(c.num_train_epochs).toBe(3);
    expect(c.beta).toBe(0.1);
  });

  it("section 6.1: the example configs use the paper's values (SFT 1e-4, preference 5e-6, max length 6,000 in the recipe)", () => {
    const sft = loadTrainConfig(join(examples, "train-sft.yaml"));
    expect(sft.learning_rate).toBe(1e-4);
    for (const f of ["train-dpo.yaml", "train-iopo.yaml", "iopo-paper-recipe.yaml"]) {
      expect(loadTrainConfig(join(examples, f)).learning_rate, f).toBe(5e-6);
    }
    // The three train-*.yaml run as shipped on the demo's tiny model, whose context is 512 positions (checked in
    // test/examples); the paper's recipe keeps the paper's maximum length.
    expect(loadTrainConfig(join(examples, "iopo-paper-recipe.yaml")).max_length).toBe(6000);
  });
});

describe("the Table 4 ablations train on separate pairs by default (footnotes 4 and 5)", () => {
  it("footnotes 4-5: both ablations take 2 examples per group, as many optimizer steps as DPO* on the same groups", () => {
    const dpoStar = cfgFor("dpo");
    for (const m of ["iopo_input_only", "iopo_output_only"]) {
      const c = cfgFor(m);
      expect(c.ablation_pairs).toBe("separate");
      const d = loadTrainingData(c);
      expect([d.train.kind, d.train.rows.length, d.sourceKind]).toEqual(["pair", 10, "group"]);
      expect(steps(c)).toBe(steps(dpoStar));
      expect(trainingMethod(c)).toBe("dpo");
      // grouped: one example per group, half the steps
      const g = cfgFor(m, ["--ablation_pairs", "grouped"]);
      expect(loadTrainingData(g).train.rows.length).toBe(5);
      expect(trainingMethod(g)).toBe(m);
      expect([steps(c), steps(g)]).toEqual([30, 15]);
    }
    expect(() => cfgFor("iopo_input_only", ["--ablation_pairs", "halves"])).toThrow(/ablation_pairs/);
  });

  it("footnote 5 (w/o Input Pref) trains the output pairs; footnote 4 (w/o Output Pref) the input pairs", () => {
    const out = loadTrainingData(cfgFor("iopo_output_only")).train.rows as TrainRow[];
    const inp = loadTrainingData(cfgFor("iopo_input_only")).train.rows as TrainRow[];
    const texts = (r: TrainRow) =>
      (["chosen", "rejected"] as const).map((n) => {
        const t = rowTexts(r, n);
        return `${t.prompt[0].content}|${t.response}`;
      });
    // same input, different responses: x1: y1 > y2, x2: y2 > y1
    expect(out.slice(0, 2).map(texts)).toEqual([
      ["x1-0|y1-0", "x1-0|y2-0"],
      ["x2-0|y2-0", "x2-0|y1-0"],
    ]);
    // same response, different inputs: y1: x1 > x2, y2: x2 > x1
    expect(inp.slice(0, 2).map(texts)).toEqual([
      ["x1-0|y1-0", "x2-0|y1-0"],
      ["x2-0|y2-0", "x1-0|y2-0"],
    ]);
  });

  it("separate and grouped give the same mean loss on the same groups (hand-built log-probs)", () => {
    const s = (policy: number, reference: number) => ({ policy, reference, tokens: 3 });
    const group: Example = {
      chosen_v1: s(-12.5, -13.0),
      rejected_v1: s(-20.0, -19.2),
      chosen_v2: s(-15.1, -15.9),
      rejected_v2: s(-18.4, -18.0),
    };
    const o = defaultLossOptions;
    const output: Example[] = [
      { chosen: group.chosen_v1, rejected: group.rejected_v1 },
      { chosen: group.chosen_v2, rejected: group.rejected_v2 },
    ];
    const input: Example[] = [
      { chosen: group.chosen_v1, rejected: group.rejected_v2 },
      { chosen: group.chosen_v2, rejected: group.rejected_v1 },
    ];
    const nls = (x: number) => Math.log(1 + Math.exp(-x));
    // input only: D11 - D21 = 0.9, D22 - D12 = 1.6; output only: D11 - D12 = 1.3, D22 - D21 = 1.2
    expect(computeLoss("dpo", input, o).loss).toBeCloseTo(0.5 * (nls(0.1 * 0.9) + nls(0.1 * 1.6)), 12);
    expect(computeLoss("dpo", output, o).loss).toBeCloseTo(0.5 * (nls(0.1 * 1.3) + nls(0.1 * 1.2)), 12);
    expect(computeLoss("dpo", input, o).loss).toBeCloseTo(computeLoss("iopo_input_only", [group], o).loss, 12);
    expect(computeLoss("dpo", output, o).loss).toBeCloseTo(computeLoss("iopo_output_only", [group], o).loss, 12);
  });
});
