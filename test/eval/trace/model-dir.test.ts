import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { main } from "../../../src/cli/main.js";
import { EngineChatModel } from "../../../src/model/engine-chat-model.js";
import { tinyModelDir } from "../../helpers/tiny-model.js";
import { startScriptedServer } from "./scripted-server.js";

/** `iopo eval trace --model DIR` (= `--model-dir DIR`): responses come from the in-process engine, only the judge is remote. */
describe("iopo eval trace --model-dir", () => {
  let server: Awaited<ReturnType<typeof startScriptedServer>>;
  afterAll(async () => server?.close());

  it("generates in-process with the model's chat template and judges every record", async () => {
    const model = tinyModelDir({ modelType: "qwen2", tieWordEmbeddings: true, seed: 9, initStd: 0.2 });
    server = await startScriptedServer(() => 'Fine Grained Score: [{"c": 10}]\nConstraints Overall Score: [[10]]');
    const out = join(mkdtempSync(join(tmpdir(), "iopo-trace-dir-")), "run");
    const write = process.stdout.write;
    process.stdout.write = (() => true) as typeof process.stdout.write;
    try {
      // biome-ignore format: one flag per pair
      await main([
        "node", "iopo", "eval", "trace", "--ids", "7,13", "--out", out, "--model", model, "--max-tokens", "8", "--temperature", "0",
        "--judge-base-url", server.baseUrl, "--judge-model", "judge", "--no-cache",
      ]);
    } finally {
      process.stdout.write = write;
    }
    expect(server.requests.every((r) => r.model === "judge")).toBe(true);
    expect(server.requests).toHaveLength(2);
    const results = readFileSync(join(out, "results.jsonl"), "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { id: string; response: string });
    // The same conversation through the float64 reference decoder gives the same greedy text.
    const reference = new EngineChatModel(model, { reference: true });
    const records = readFileSync("data/trace/2024_trace_evaluation.jsonl", "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    for (const r of results) {
      const rec = records.find((x) => x.id === r.id);
      const expected = await reference.chat({ messages: rec.messages, temperature: 0, max_tokens: 8 });
      expect(r.response).toBe(expected.text);
    }
  });
});
