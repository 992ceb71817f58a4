import { describe, expect, it } from "vitest";
import type { IopoGroup } from "../../src/data/schemas.js";
import { rowSequences, type SequenceEncoder } from "../../src/train/sequences.js";

// Toy chat encoding: one token per character of "user text|" then the response characters.
const encode: SequenceEncoder = (prompt, response) => {
  const p = `${prompt.map((m) => m.content).join("")}|`;
  return { ids: Int32Array.from([...p, ...response].map((c) => c.charCodeAt(0))), responseStart: p.length };
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
    // longest prompt 8, longest response 4, cutoff 10: 2*4 < 10 -> keep responses, prompts cut to 6
    const s = rowSequences(group, "iopo", encode, 10);
    expect(s.map((q) => text(q.ids))).toEqual(["AAAA|yy", "AAAA|zzzz", "BBBBBBzzzz", "BBBBBByy"]);
    expect(s.map((q) => q.responseStart)).toEqual([5, 5, 6, 6]);
    expect(Math.max(...s.map((q) => q.ids.length))).toBeLessThanOrEqual(10);
  });
  it("pairs and SFT rows", () => {
    const pair = { prompt: [{ role: "user" as const, content: "Q" }], chosen: "good", rejected: "bad" };
    expect(rowSequences(pair, "dpo", encode, 100).map((q) => text(q.ids))).toEqual(["Q|good", "Q|bad"]);
    expect(rowSequences({ prompt: pair.prompt, completion: "ok" }, "sft", encode, 100).map((q) => text(q.ids))).toEqual(
      ["Q|ok"],
    );
  });
});
