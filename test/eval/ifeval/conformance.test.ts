// THE ACCEPTANCE TEST of the IFEval port: the reference implementation's own verdicts on the 541 GPT-4 responses
// (conformance set in test/fixtures/ifeval/conformance). Every stable per-instruction verdict must agree, strict and loose, and the headline
// numbers must fall inside the range the reference itself produces over its randomness.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { evaluateResponse, type Mode, type PromptResult, summarize } from "../../../src/eval/ifeval/evaluate.js";
import { packageRoot } from "../../../src/util/paths.js";

interface Verdicts {
  follow_all_instructions: boolean;
  follow_instruction_list: boolean[];
  unstable: { index: number; cause: string }[];
}
interface Record_ {
  key: number;
  prompt: string;
  instruction_id_list: string[];
  kwargs: Record<string, unknown>[];
  response: string;
  strict: Verdicts;
  loose: Verdicts;
}

const dir = join(packageRoot, "test", "fixtures", "ifeval", "conformance");
const records: Record_[] = readFileSync(join(dir, "gpt4_verdicts.jsonl"), "utf8")
  .split("\n")
  .filter((l) => l.trim() !== "")
  .map((l) => JSON.parse(l));
const headline = JSON.parse(readFileSync(join(dir, "gpt4_headline.json"), "utf8"));

describe.each(["strict", "loose"] as Mode[])("IFEval conformance with the reference (%s)", (mode) => {
  let results: PromptResult[] = [];
  beforeAll(() => {
    results = records.map((r) => evaluateResponse(r, r.response, mode));
  });

  it("agrees on every stable per-instruction verdict", () => {
    expect(records.length).toBe(541);
    let compared = 0;
    const disagreements: string[] = [];
    records.forEach((rec, n) => {
      const unstable = new Set(rec[mode].unstable.map((u) => u.index));
      rec.instruction_id_list.forEach((id, i) => {
        if (unstable.has(i)) return;
        compared++;
        const ours = results[n].follow_instruction_list[i];
        if (ours !== rec[mode].follow_instruction_list[i])
          disagreements.push(
            `key ${rec.key} [${i}] ${id} ${JSON.stringify(rec.kwargs[i])}: reference ${!ours}, port ${ours}; ` +
              `response: ${JSON.stringify(rec.response.slice(0, 160))}...`,
          );
      });
    });
    if (disagreements.length) console.error(`${mode} disagreements:\n${disagreements.join("\n")}`);
    expect(disagreements).toEqual([]);
    expect(compared).toBe(headline[mode].stable_instructions);
    expect(compared).toBe(832);
  });

  it("gives headline numbers inside the reference's range", () => {
    const acc = summarize(results);
    const h = headline[mode];
    expect(acc.prompt_level.total).toBe(h.prompts);
    expect(acc.instruction_level.total).toBe(h.instructions);
    expect(acc.prompt_level.accuracy).toBeGreaterThanOrEqual(h.prompt_acc_min);
    expect(acc.prompt_level.accuracy).toBeLessThanOrEqual(h.prompt_acc_max);
    expect(acc.instruction_level.accuracy).toBeGreaterThanOrEqual(h.inst_acc_min);
    expect(acc.instruction_level.accuracy).toBeLessThanOrEqual(h.inst_acc_max);
  });
});
