import { describe, expect, it } from "vitest";
import type { IopoGroup } from "../../src/data/schemas.js";
import { encodeTrainingExample } from "../../src/model/chat-encoding.js";
import { loadModelFolder } from "../../src/model/model-folder.js";
import { rowSequences, type SequenceEncoder, truncationStats } from "../../src/train/sequences.js";
import { cutPrompt } from "../../src/train/truncation.js";
import { tinyModelDir } from "../helpers/tiny-model.js";

// Toy chat encoding: one token per character of "user text|" then the response characters; "|" plays the
// template's assistant header (the prompt's 1-token template suffix).
const encode: SequenceEncoder = (prompt, response) => {
  const p = `${prompt.map((m) => m.content).join("")}|`;
  return {
    ids: Int32Array.from([...p, ...response].map((c) => c.charCodeAt(0))),
    responseStart: p.length,
    promptSuffix: () => 1,
  };
};
const text = (ids: Int32Array) => String.fromCharCode(...ids);

const group: IopoGroup = {
  x1: { messages: [{ role: "user", content: "AAAA" }] },
  y1: "yy",
  x2: { messages: [{ role: "user", content: "BBBBBBB" }] },
  y2: "zzzz",
};

describe("row sequences", () => {
  it("IOPO groups give (x1,y1), (x1,y2), (x2,y2), (x2,y1)", () => {
    const s = rowSequences(group, "iopo", encode, 100);
    expect(s.map((q) => text(q.ids))).toEqual(["AAAA|yy", "AAAA|zzzz", "BBBBBBB|zzzz", "BBBBBBB|yy"]);
    expect(s.map((q) => q.responseStart)).toEqual([5, 5, 8, 8]);
    expect(rowSequences(group, "iopo_star", encode, 100).map((q) => text(q.ids))).toEqual([
      "AAAA|yy",
      "AAAA|zzzz",
      "BBBBBBB|yy",
    ]);
  });
  it("one truncation budget for all four sequences (infer_seqlen of the longest prompt / response)", () => {
    // longest prompt 8, longest response 4, cutoff 10: 2*4 < 10 -> keep responses, prompts cut to 6, keeping the
    // first content tokens and the header "|"
    const s = rowSequences(group, "iopo", encode, 10);
    expect(s.map((q) => text(q.ids))).toEqual(["AAAA|yy", "AAAA|zzzz", "BBBBB|zzzz", "BBBBB|yy"]);
    expect(s.map((q) => q.responseStart)).toEqual([5, 5, 6, 6]);
    expect(Math.max(...s.map((q) => q.ids.length))).toBeLessThanOrEqual(10);
    expect(s.map((q) => q.truncated)).toEqual([
      undefined,
      undefined,
      { prompt: true, response: false },
      { prompt: true, response: false },
    ]);
    // keep_end (TRL): the prompt's last tokens
    const e = rowSequences(group, "iopo", encode, 10, "keep_end");
    expect(e.map((q) => text(q.ids))).toEqual(["AAAA|yy", "AAAA|zzzz", "BBBBB|zzzz", "BBBBB|yy"]);
    const long = { ...group, x2: { messages: [{ role: "user" as const, content: "BCDEFGH" }] } };
    expect(text(rowSequences(long, "iopo", encode, 10, "keep_end")[2].ids)).toBe("DEFGH|zzzz");
    expect(text(rowSequences(long, "iopo", encode, 10, "keep_start")[2].ids)).toBe("BCDEF|zzzz");
    expect(truncationStats([s, rowSequences(group, "iopo", encode, 100)])).toEqual({
      examples: 2,
      truncated: 1,
      prompts: 2,
      responses: 0,
    });
  });
  it("cutPrompt: a budget below the suffix keeps the suffix's last tokens; short prompts are untouched", () => {
    expect(cutPrompt([1, 2, 3, 4, 5, 6], 4, 2, "keep_start")).toEqual([1, 2, 5, 6]);
    expect(cutPrompt([1, 2, 3, 4, 5, 6], 2, 3, "keep_start")).toEqual([5, 6]);
    expect(cutPrompt([1, 2, 3], 3, 2, "keep_start")).toEqual([1, 2, 3]);
    expect(cutPrompt([1, 2, 3, 4], 3, 0, "keep_start")).toEqual([1, 2, 3]);
  });
  it("real chat template: an over-long prompt keeps its first content tokens and its assistant header", () => {
    const m = loadModelFolder(tinyModelDir({ template: "qwen2" }), { loadWeights: false });
    const real: SequenceEncoder = (prompt, response) => encodeTrainingExample(m, { conversation: prompt, response });
    const longText = Array.from({ length: 60 }, (_, i) => `word${i}`).join(" ");
    const g: IopoGroup = {
      x1: { messages: [{ role: "user", content: "Short question?" }] },
      y1: "Short answer.",
      x2: { messages: [{ role: "user", content: `Long instruction: ${longText}` }] },
      y2: "Another answer here.",
    };
    const full = rowSequences(g, "iopo", real, 100_000);
    const maxLen = Math.floor(full[2].ids.length * 0.6);
    const s = rowSequences(g, "iopo", real, maxLen);
    const prompt = (q: (typeof s)[number]) => q.ids.slice(0, q.responseStart);
    const response = (q: (typeof s)[number]) => q.ids.slice(q.responseStart);
    const header = "<|im_end|>\n<|im_start|>assistant\n";
    // x2's prompts were cut: same budget for both, header kept, first content tokens kept, responses whole
    expect(s[2].truncated?.prompt).toBe(true);
    expect([...prompt(s[2])]).toEqual([...prompt(s[3])]);
    expect(m.tokenizer.decode(prompt(s[2])).endsWith(header)).toBe(true);
    const original = prompt(full[2]);
    const cut = prompt(s[2]);
    const suffix = encodeTrainingExample(m, { conversation: g.x2.messages, response: g.y2 }).promptSuffix();
    const contentKept = cut.length - suffix;
    expect(cut.length).toBeLessThan(original.length);
    expect(contentKept).toBeGreaterThan(0);
    expect([...cut.slice(0, contentKept)]).toEqual([...original.slice(0, contentKept)]);
    expect([...cut.slice(contentKept)]).toEqual([...original.slice(original.length - suffix)]);
    expect(m.tokenizer.decode(prompt(s[2]))).toMatch(
      /^<\|im_start\|>system\n.*<\|im_start\|>user\nLong instruction: word0 word1/s,
    );
    for (const q of s) expect(q.ids.length).toBeLessThanOrEqual(maxLen);
    expect(s.map((q) => [...response(q)])).toEqual(full.map((q) => [...response(q)]));
    // x1's short prompt is untouched
    expect([...s[0].ids]).toEqual([...full[0].ids]);
    expect([...prompt(s[1])]).toEqual([...prompt(full[1])]);
  });
  it("pairs and SFT rows", () => {
    const pair = { prompt: [{ role: "user" as const, content: "Q" }], chosen: "good", rejected: "bad" };
    expect(rowSequences(pair, "dpo", encode, 100).map((q) => text(q.ids))).toEqual(["Q|good", "Q|bad"]);
    expect(rowSequences({ prompt: pair.prompt, completion: "ok" }, "sft", encode, 100).map((q) => text(q.ids))).toEqual(
      ["Q|ok"],
    );
  });
});
