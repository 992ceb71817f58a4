import { afterAll, describe, expect, it } from "vitest";
import { releaseSessions } from "../../src/engine/session.js";
import { createGenerator } from "../../src/model/generate.js";
import { referenceGreedy } from "../../src/model/reference-decoder.js";
import { rng } from "../engine/harness.js";
import { randomIds, randomWeights, tinyConfig, toFloat64 } from "./decoder-fixtures.js";

afterAll(releaseSessions);

describe("generateDetailed: which EOS ended each row (rollouts score it)", () => {
  it("reports the EOS sampled, or undefined when max_new_tokens ended the row; tokens equal generate's", async () => {
    const cfg = tinyConfig("qwen2", true);
    const w = randomWeights(cfg, 3);
    const r = rng(5);
    const prompts = [randomIds(r, 4, cfg.vocab_size), randomIds(r, 6, cfg.vocab_size)];
    const free = prompts.map((p) => referenceGreedy(cfg, toFloat64(w) as never, p, 6));
    // the first row's first greedy token becomes an EOS id (tiny random models repeat one token greedily)
    const eos = free[0]![0]!;
    expect(free[1]!.includes(eos)).toBe(false);
    const gen = await createGenerator(cfg, w, { threads: 2 });
    const opts = { max_new_tokens: 6, eos_token_ids: [eos] };
    const d = await gen.generateDetailed(prompts, opts);
    expect([...d.tokens[0]!]).toEqual([]);
    expect(d.stops[0]).toBe(eos);
    expect(d.stops[1]).toBeUndefined();
    expect([...d.tokens[1]!]).toEqual(free[1]);
    expect((await gen.generate(prompts, opts)).map((t) => [...t])).toEqual(d.tokens.map((t) => [...t]));
  });
});
