import { afterAll, describe, expect, it } from "vitest";
import { releaseSessions } from "../../src/engine/session.js";
import { createGenerator, pickToken } from "../../src/model/generate.js";
import { rng } from "../engine/harness.js";
import { randomIds, randomWeights, referenceLogits, tinyConfig, toFloat64 } from "./decoder-fixtures.js";

afterAll(releaseSessions);

function argmax(row: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < row.length; i++) if (row[i]! > row[best]!) best = i;
  return best;
}

describe.each([
  { name: "llama untied", cfg: tinyConfig("llama", false) },
  { name: "qwen2 tied", cfg: tinyConfig("qwen2", true) },
])("generation with a KV cache: $name", ({ cfg }) => {
  const weights = randomWeights(cfg, 23);
  const w64 = toFloat64(weights);
  const r = rng(31);
  const prompts = [randomIds(r, 5, cfg.vocab_size), randomIds(r, 2, cfg.vocab_size), randomIds(r, 8, cfg.vocab_size)];

  it("greedy KV-cache decoding equals the argmax of the full forward at every step", async () => {
    const gen = await createGenerator(cfg, weights, { threads: 2 });
    const out = await gen.generate(prompts, { max_new_tokens: 6, temperature: 0 });
    prompts.forEach((p, i) => {
      const seq = [...p];
      const expected: number[] = [];
      for (let s = 0; s < 6; s++) {
        const logits = referenceLogits(cfg, w64, seq);
        const next = argmax(logits[logits.length - 1]!);
        expected.push(next);
        seq.push(next);
      }
      expect([...out[i]!]).toEqual(expected);
    });
  });

  it("a prompt's output does not depend on its batch companions, and EOS stops (excluded)", async () => {
    const gen = await createGenerator(cfg, weights, { threads: 2 });
    const batched = await gen.generate(prompts, { max_new_tokens: 5 });
    for (let i = 0; i < prompts.length; i++) {
      const alone = await gen.generate([prompts[i]!], { max_new_tokens: 5 });
      expect([...alone[0]!]).toEqual([...batched[i]!]);
    }
    const eos = batched[0]![2]!;
    const stopped = await gen.generate([prompts[0]!], { max_new_tokens: 5, eos_token_ids: [eos] });
    const firstEos = [...batched[0]!].indexOf(eos);
    expect([...stopped[0]!]).toEqual([...batched[0]!.slice(0, firstEos)]);
    // Rows that stop early leave the batch; the others continue unchanged.
    const stopAll = await gen.generate(prompts, { max_new_tokens: 5, eos_token_ids: [eos] });
    prompts.forEach((_, i) => {
      const k = [...batched[i]!].indexOf(eos);
      expect([...stopAll[i]!]).toEqual([...(k >= 0 ? batched[i]!.slice(0, k) : batched[i]!)]);
    });
  });

  it("sampling is deterministic for a seed, and top_p -> 0 reduces to greedy", async () => {
    const gen = await createGenerator(cfg, weights, { threads: 2 });
    const opts = { max_new_tokens: 8, temperature: 1.5, top_p: 0.95, seed: 42 };
    const a = await gen.generate(prompts, opts);
    const b = await gen.generate(prompts, opts);
    expect(a.map((x) => [...x])).toEqual(b.map((x) => [...x]));
    const c = await gen.generate(prompts, { ...opts, seed: 43 });
    expect(c.map((x) => [...x])).not.toEqual(a.map((x) => [...x]));
    const nucleus = await gen.generate(prompts, { max_new_tokens: 4, temperature: 1, top_p: 1e-9, seed: 1 });
    const greedy = await gen.generate(prompts, { max_new_tokens: 4 });
    expect(nucleus.map((x) => [...x])).toEqual(greedy.map((x) => [...x]));
  });
});

describe("pickToken", () => {
  it("samples from the renormalised nucleus with the right frequencies", () => {
    const logits = Float32Array.from([Math.log(0.5), Math.log(0.3), Math.log(0.15), Math.log(0.05)]);
    const rand = rng(9);
    const counts = [0, 0, 0, 0];
    const n = 20000;
    for (let i = 0; i < n; i++) counts[pickToken(logits, 1, 0.75, rand)]!++;
    // nucleus {0, 1} (0.5 + 0.3 >= 0.75), renormalised to 0.625 / 0.375
    expect(counts[2]! + counts[3]!).toBe(0);
    expect(Math.abs(counts[0]! / n - 0.625)).toBeLessThan(0.02);
  });
});
