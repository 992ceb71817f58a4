import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadPromptData, promptRowsOf } from "../../../src/train/online/prompts.js";

const dir = mkdtempSync(join(tmpdir(), "iopo-prompts-"));

describe("prompts for PPO / GRPO from any dataset with a prompt", () => {
  it("TRACE records and chat rows keep their messages (a trailing assistant turn is dropped) and the record", () => {
    const trace = {
      id: "t1",
      messages: [
        { role: "system", content: "s" },
        { role: "user", content: "u" },
      ],
      constraints_splits: ["c"],
    };
    const [p] = promptRowsOf(trace, "f", 1);
    expect(p!.prompt).toHaveLength(2);
    expect(p!.record.constraints_splits).toEqual(["c"]);
    const sft = { messages: [...trace.messages, { role: "assistant", content: "a" }] };
    expect(promptRowsOf(sft, "f", 1)[0]!.prompt).toHaveLength(2);
  });
  it("prompt rows (strings: IFEval), DPO pairs and alpaca rows give their prompt", () => {
    expect(promptRowsOf({ key: 1, prompt: "Write.", instruction_id_list: [], kwargs: [] }, "f", 1)[0]!.prompt).toEqual([
      { role: "user", content: "Write." },
    ]);
    const pair = {
      prompt: [{ role: "user", content: "q" }],
      chosen: [{ role: "assistant", content: "a" }],
      rejected: [{ role: "assistant", content: "b" }],
    };
    expect(promptRowsOf(pair, "f", 1)[0]!.prompt).toEqual([{ role: "user", content: "q" }]);
    expect(promptRowsOf({ instruction: "Do it.", input: "", output: "ok" }, "f", 1)[0]!.prompt.at(-1)!.content).toBe(
      "Do it.",
    );
  });
  it("an IOPO group gives x1 and x2, each with its own constraint list", () => {
    const g = {
      id: "g",
      x1: { messages: [{ role: "user", content: "one" }], constraints_splits: ["a"] },
      y1: "y1",
      x2: { messages: [{ role: "user", content: "two" }], constraints_splits: ["b"] },
      y2: "y2",
    };
    const rows = promptRowsOf(g, "f", 1);
    expect(rows.map((r) => r.id)).toEqual(["g#x1", "g#x2"]);
    expect(rows.map((r) => r.record.constraints_splits)).toEqual([["a"], ["b"]]);
  });
  it("errors name the file, line and field; the val_size split is over prompts", () => {
    const f = join(dir, "bad.jsonl");
    writeFileSync(f, `${JSON.stringify({ prompt: "ok" })}\n${JSON.stringify({ nothing: 1 })}\n`);
    expect(() => loadPromptData({ dataset: f, val_size: 0, seed: 1 })).toThrow(/bad\.jsonl:2: field "prompt"/);
    const g = join(dir, "ok.jsonl");
    writeFileSync(g, Array.from({ length: 5 }, (_, i) => JSON.stringify({ prompt: `p${i}` })).join("\n"));
    const d = loadPromptData({ dataset: g, val_size: 2, seed: 1 });
    expect([d.train.length, d.eval.length]).toEqual([3, 2]);
    expect(d.format).toBe("prompt");
  });
});
