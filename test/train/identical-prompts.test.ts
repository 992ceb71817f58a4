import { describe, expect, it } from "vitest";
import type { IopoGroup } from "../../src/data/schemas.js";
import {
  identicalPromptStats,
  identicalPromptWarning,
  rowSequences,
  type SequenceEncoder,
} from "../../src/train/sequences.js";

// Toy chat encoding (as in sequences.test.ts): one token per character, "|" = the assistant header.
const encode: SequenceEncoder = (prompt, response) => {
  const p = `${prompt.map((m) => m.content).join("")}|`;
  return {
    ids: Int32Array.from([...p, ...response].map((c) => c.charCodeAt(0))),
    responseStart: p.length,
    promptSuffix: () => 1,
  };
};
const group = (x1: string, x2: string, id?: string): IopoGroup => ({
  ...(id ? { id } : {}),
  x1: { messages: [{ role: "user", content: x1 }] },
  y1: "yy",
  x2: { messages: [{ role: "user", content: x2 }] },
  y2: "zz",
});

describe("IOPO groups whose x1 and x2 are the same tokens after truncation", () => {
  // The constraints that make x2 differ sit at the end of the prompt; keep_start truncation cuts them away.
  const rows = [
    group("Task. Same start. Use 3 items.", "Task. Same start. Use 5 items.", "cut"),
    group("Task A", "Task B", "differs"),
    group("Same", "Same", "same-in-data"),
  ];
  const seqs = (maxLength: number, mode: "keep_start" | "keep_end" = "keep_start") =>
    rows.map((r) => rowSequences(r, "iopo", encode, maxLength, mode));

  it("are counted with their cause, for every IOPO-family method that reads x2", () => {
    const long = identicalPromptStats(seqs(200), "iopo");
    expect(long).toEqual({ groups: 3, identical: 1, by_truncation: 0, examples: ["row 2"] });
    // max_length 16 -> prompt budget 14: "Task. Same sta" + "|" for both x1 and x2.
    const cut = identicalPromptStats(seqs(16), "iopo", (i) => `id ${rows[i].id}`);
    expect(cut).toEqual({ groups: 3, identical: 2, by_truncation: 1, examples: ["id cut", "id same-in-data"] });
    for (const m of ["iopo_star", "iopo_input_only", "iopo_output_only"] as const)
      expect(
        identicalPromptStats(
          rows.map((r) => rowSequences(r, m, encode, 16)),
          m,
        ).identical,
      ).toBe(2);
    // keep_end keeps the differing tail: only the group identical in the data remains.
    expect(identicalPromptStats(seqs(16, "keep_end"), "iopo").identical).toBe(1);
  });

  it("methods that never see x2 have nothing to compare", () => {
    const dpo = rows.map((r) => rowSequences({ prompt: r.x1.messages, chosen: "a", rejected: "b" }, "dpo", encode, 16));
    expect(identicalPromptStats(dpo, "dpo")).toEqual({ groups: 0, identical: 0, by_truncation: 0, examples: [] });
  });

  it("the warning names the count, the cause and the groups; none when there are none", () => {
    const w = identicalPromptWarning(identicalPromptStats(seqs(16), "iopo"), 16)!;
    expect(w).toMatch(
      /^warning: 2 of 3 IOPO groups have identical x1 and x2 prompt tokens \(1 of them because max_length 16/,
    );
    expect(w).toContain("train nothing (row 0, row 2)");
    expect(identicalPromptWarning(identicalPromptStats([seqs(200)[1]], "iopo"), 200)).toBeUndefined();
  });
});
