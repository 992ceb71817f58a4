import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { generateLocally } from "../../../src/eval/ifeval/generate-local.js";
import { evalIfeval, type Output } from "../../../src/eval/ifeval/run.js";
import { writeTinyModel } from "../../../src/model/tiny-model.js";

const tmp = mkdtempSync(join(tmpdir(), "iopo-ifeval-local-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const quiet = (): Output => ({ out: () => {}, err: () => {} });

const PROMPTS = [
  { key: 1, prompt: "Say hi without commas.", instruction_id_list: ["punctuation:no_comma"], kwargs: [{}] },
  {
    key: 2,
    prompt: "Write one word.",
    instruction_id_list: ["length_constraints:number_words"],
    kwargs: [{ num_words: 50, relation: "less than" }],
  },
  { key: 3, prompt: "Quote it.", instruction_id_list: ["startend:quotation"], kwargs: [{}] },
];

describe("iopo eval ifeval --model DIR (in-process engine)", () => {
  const modelDir = join(tmp, "tiny");
  writeTinyModel(modelDir, { seed: 3, initStd: 0.5 });
  const inputData = join(tmp, "input.jsonl");
  writeFileSync(inputData, PROMPTS.map((p) => JSON.stringify(p)).join("\n") + "\n");

  it("generates greedily with the model's chat template, deterministically, then scores; reruns resume", async () => {
    const run = async (name: string) => {
      const outputDir = join(tmp, name);
      const scores = (await evalIfeval(
        { model: modelDir, inputData, outputDir, maxNewTokens: 6, batchSize: 2, env: {} },
        quiet(),
      ))!;
      const rows = readFileSync(join(outputDir, "responses.jsonl"), "utf8")
        .trimEnd()
        .split("\n")
        .map((l) => JSON.parse(l));
      return { scores, rows };
    };
    const a = await run("a");
    const b = await run("b");
    expect(a.rows.map((r) => r.key)).toEqual([1, 2, 3]);
    for (const r of a.rows) {
      expect(typeof r.response).toBe("string");
      expect(r.completion_tokens).toBeLessThanOrEqual(6);
      expect(r.prompt_tokens).toBeGreaterThan(0);
    }
    expect(a.rows.some((r) => r.completion_tokens > 0 && r.response.length > 0)).toBe(true);
    expect(b.rows.map((r) => r.response)).toEqual(a.rows.map((r) => r.response)); // greedy: deterministic
    expect(a.scores.metrics.num_responses).toBe(3);
    expect(a.scores.metrics.generation).toMatchObject({ engine: "in-process", generated: 3, reused: 0 });
    // The ONNX Runtime engine's greedy tokens equal the float64 reference decoder's.
    const refFile = join(tmp, "reference.jsonl");
    await generateLocally(PROMPTS, modelDir, refFile, { maxNewTokens: 6, batchSize: 3, reference: true });
    const ref = readFileSync(refFile, "utf8")
      .trimEnd()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(ref.map((r) => r.response)).toEqual(a.rows.map((r) => r.response));
    const again = (await evalIfeval({ model: modelDir, inputData, outputDir: join(tmp, "a"), env: {} }, quiet()))!;
    expect(again.metrics.generation).toMatchObject({ generated: 0, reused: 3 });
  });
});
