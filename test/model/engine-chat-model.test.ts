import { describe, expect, it } from "vitest";
import { EngineChatModel } from "../../src/model/engine-chat-model.js";
import type { TextGenerator } from "../../src/model/engine-loader.js";
import { tinyModelDir } from "../helpers/tiny-model.js";

const user = (content: string) => [{ role: "user" as const, content }];

describe("EngineChatModel (the in-process engine as a ChatModel)", () => {
  const dir = tinyModelDir({ modelType: "qwen2", tieWordEmbeddings: true, seed: 5, initStd: 0.2 });

  it("gathers concurrent calls into batches with the same sampling settings", async () => {
    const batches: number[] = [];
    const fake: TextGenerator = {
      generate: async (prompts) => {
        batches.push(prompts.length);
        return prompts.map((p) => Int32Array.from(p.slice(0, 2)));
      },
    };
    const model = new EngineChatModel(dir, { generator: fake, batchSize: 4 });
    const greedy = Array.from({ length: 6 }, (_, i) => model.chat({ messages: user(`hello ${i}`) }));
    const sampled = model.chat({ messages: user("hello"), temperature: 0.7, seed: 1 });
    const out = await Promise.all([...greedy, sampled]);
    expect(batches).toEqual([4, 2, 1]);
    expect(out.every((r) => r.usage.completion_tokens === 2 && r.model === dir)).toBe(true);
  });

  it("generates greedily on the engine exactly as the float64 reference decoder does", async () => {
    const engine = new EngineChatModel(dir, { maxNewTokens: 12 });
    const reference = new EngineChatModel(dir, { maxNewTokens: 12, reference: true });
    const prompts = ["list three fruits", "say hi", "count to five please"];
    const a = await Promise.all(prompts.map((p) => engine.chat({ messages: user(p), temperature: 0 })));
    const b = await Promise.all(prompts.map((p) => reference.chat({ messages: user(p), temperature: 0 })));
    expect(a.map((r) => r.text)).toEqual(b.map((r) => r.text));
    expect(a.some((r) => r.usage.completion_tokens > 0)).toBe(true);
  });
});
