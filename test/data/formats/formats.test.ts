import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { DataError } from "../../../src/data/errors.js";
import {
  type Dataset,
  datasetInfoEntry,
  exportRows,
  groupToDpoPairs,
  groupToSftExamples,
  loadDataset,
  serializeRows,
  toKind,
} from "../../../src/data/formats/index.js";
import type { IopoGroup } from "../../../src/data/schemas.js";
import { bundledDataPath } from "../../../src/util/paths.js";

const OFFICIAL = bundledDataPath("trace", "iopo_example.json");
const dir = mkdtempSync(join(tmpdir(), "iopo-formats-"));
const file = (name: string, rows: unknown) => {
  const p = join(dir, name);
  writeFileSync(p, typeof rows === "string" ? rows : JSON.stringify(rows));
  return p;
};
const jsonl = (name: string, rows: unknown[]) => file(name, rows.map((r) => JSON.stringify(r)).join("\n"));

describe("official IOPO example (data/trace/iopo_example.json)", () => {
  const raw = JSON.parse(readFileSync(OFFICIAL, "utf8"));
  it("imports as ONE group with x1, x2, y1, y2 in the right places", () => {
    const { format, dataset } = loadDataset(OFFICIAL);
    expect(format).toBe("sharegpt");
    expect(dataset.kind).toBe("group");
    expect(dataset.rows).toHaveLength(1);
    const g = dataset.rows[0] as IopoGroup;
    expect(g.x1.messages).toEqual([{ role: "user", content: raw[0].conversations[0].value }]);
    expect(g.x2.messages).toEqual([{ role: "user", content: raw[0].conversations[1].value }]);
    expect(g.y1).toBe(raw[0].chosen.value);
    expect(g.y2).toBe(raw[0].rejected.value);
    // x1 asks for 10-15 characters; x2 for 16-20 (README of the data folder)
    expect(g.x1.messages[0].content).toContain("10至15");
    expect(g.x2.messages[0].content).toContain("16至20");
  });
  it("the bundled copy is byte-identical to upstream's IOPO/Method-IOPO/data/trace.json", () => {
    const sha256 = createHash("sha256").update(readFileSync(OFFICIAL)).digest("hex");
    expect(sha256).toBe("6bc3f200845cab4d509d84b5dd1bd886a1e5106395a6277dadafe81043d2ce2c");
  });
  it("re-exports to exactly the official rows, field by field", () => {
    const { dataset } = loadDataset(OFFICIAL);
    const rows = exportRows(dataset, "sharegpt");
    expect(rows).toEqual(raw);
    expect(Object.keys(rows[0])).toEqual(["conversations", "chosen", "rejected"]);
  });
  it("groups with TRACE's default system prompt export it in the system column (templates' defaults differ)", () => {
    const g: IopoGroup = {
      x1: {
        messages: [
          { role: "system", content: "You are a helpful assistant." },
          { role: "user", content: "a" },
        ],
      },
      y1: "A",
      x2: {
        messages: [
          { role: "system", content: "You are a helpful assistant." },
          { role: "user", content: "b" },
        ],
      },
      y2: "B",
    };
    expect(exportRows({ kind: "group", rows: [g] }, "sharegpt")).toEqual([
      {
        conversations: [
          { from: "human", value: "a" },
          { from: "human", value: "b" },
        ],
        chosen: { from: "gpt", value: "A" },
        rejected: { from: "gpt", value: "B" },
        system: "You are a helpful assistant.",
      },
    ]);
    const custom = { ...g, x1: { messages: [{ role: "system" as const, content: "S" }, g.x1.messages[1]] } };
    expect(() => exportRows({ kind: "group", rows: [custom] }, "sharegpt")).toThrow(/different system prompts/);
  });
});

const group: IopoGroup = {
  id: "g7",
  x1: { messages: [{ role: "user", content: "Write 3 words." }] },
  y1: "one two three",
  x2: { messages: [{ role: "user", content: "Write 5 words." }] },
  y2: "one two three four five",
};

describe("token-equalised expansions (issue 5)", () => {
  it("DPO*: x1: y1 > y2 and x2: y2 > y1", () => {
    const [a, b] = groupToDpoPairs(group);
    expect(a).toEqual({ id: "g7#1", prompt: group.x1.messages, chosen: group.y1, rejected: group.y2 });
    expect(b).toEqual({ id: "g7#2", prompt: group.x2.messages, chosen: group.y2, rejected: group.y1 });
  });
  it("SFT*: {x1,y1} and {x2,y2}", () => {
    const [a, b] = groupToSftExamples(group);
    expect(a.completion).toBe(group.y1);
    expect(b.prompt).toEqual(group.x2.messages);
    expect(b.completion).toBe(group.y2);
  });
  it("unpair export: groups written as TRL rows are their DPO* pairs", () => {
    const rows = exportRows({ kind: "group", rows: [group] }, "trl", { style: "standard" });
    expect(rows).toEqual([
      { id: "g7#1", prompt: "Write 3 words.", chosen: "one two three", rejected: "one two three four five" },
      { id: "g7#2", prompt: "Write 5 words.", chosen: "one two three four five", rejected: "one two three" },
    ]);
    expect(toKind({ kind: "group", rows: [group] }, "sft").rows).toHaveLength(2);
  });
});

describe("TRL preference rows", () => {
  it("standard explicit, conversational explicit and both implicit layouts import to the same pair", () => {
    const conv = [{ role: "user", content: "What color is the sky?" }];
    const p1 = jsonl("std.jsonl", [{ prompt: "What color is the sky?", chosen: "Blue.", rejected: "Green." }]);
    const p2 = jsonl("conv.jsonl", [
      {
        prompt: conv,
        chosen: [{ role: "assistant", content: "Blue." }],
        rejected: [{ role: "assistant", content: "Green." }],
      },
    ]);
    const p3 = jsonl("impl.jsonl", [
      {
        chosen: [...conv, { role: "assistant", content: "Blue." }],
        rejected: [...conv, { role: "assistant", content: "Green." }],
      },
    ]);
    for (const p of [p1, p2, p3]) {
      const { format, dataset } = loadDataset(p);
      expect(format).toBe("trl");
      expect(dataset.rows[0]).toEqual({ prompt: conv, chosen: "Blue.", rejected: "Green." });
    }
    const p4 = jsonl("impl-std.jsonl", [{ chosen: "The sky is blue.", rejected: "The sky is green." }]);
    expect(loadDataset(p4).dataset.rows[0]).toEqual({
      prompt: [{ role: "user", content: "The sky is" }],
      chosen: " blue.",
      rejected: " green.",
    });
  });
  it("exports conversational rows that re-import unchanged", () => {
    const ds: Dataset = {
      kind: "pair",
      rows: [
        {
          id: "1",
          prompt: [
            { role: "system", content: "S" },
            { role: "user", content: "q" },
          ],
          chosen: "a",
          rejected: "b",
        },
      ],
    };
    const p = file("out.jsonl", serializeRows("out.jsonl", exportRows(ds, "trl")));
    expect(loadDataset(p).dataset).toEqual(ds);
  });
  it("standard export refuses multi-turn prompts", () => {
    const ds: Dataset = {
      kind: "pair",
      rows: [
        {
          prompt: [
            { role: "user", content: "q" },
            { role: "assistant", content: "r" },
            { role: "user", content: "q2" },
          ],
          chosen: "a",
          rejected: "b",
        },
      ],
    };
    expect(() => exportRows(ds, "trl", { style: "standard" })).toThrow(/single-turn/);
  });
  it("a response that is not one assistant message is a DataError naming the field", () => {
    const p = jsonl("bad.jsonl", [
      {
        prompt: [{ role: "user", content: "q" }],
        chosen: [{ role: "user", content: "x" }],
        rejected: [{ role: "assistant", content: "y" }],
      },
    ]);
    expect(() => loadDataset(p)).toThrow(DataError);
    expect(() => loadDataset(p)).toThrow(/bad\.jsonl:1: field "chosen"/);
  });
});

describe("LLaMA-Factory alpaca and sharegpt", () => {
  it("alpaca preference rows: instruction + input joined by a newline, system and history", () => {
    const p = file("alpaca.json", [
      {
        instruction: "Translate",
        input: "chat",
        chosen: "cat",
        rejected: "dog",
        system: "S",
        history: [["hi", "hello"]],
      },
    ]);
    const { format, dataset } = loadDataset(p);
    expect(format).toBe("alpaca");
    expect(dataset.rows[0]).toEqual({
      prompt: [
        { role: "system", content: "S" },
        { role: "user", content: "hi" },
        { role: "assistant", content: "hello" },
        { role: "user", content: "Translate\nchat" },
      ],
      chosen: "cat",
      rejected: "dog",
    });
    const rows = exportRows(dataset, "alpaca");
    expect(rows).toEqual([
      {
        instruction: "Translate\nchat",
        input: "",
        chosen: "cat",
        rejected: "dog",
        system: "S",
        history: [["hi", "hello"]],
      },
    ]);
    expect(datasetInfoEntry("d.json", "alpaca", "pair", rows)).toEqual({
      file_name: "d.json",
      ranking: true,
      formatting: "alpaca",
      columns: {
        prompt: "instruction",
        query: "input",
        chosen: "chosen",
        rejected: "rejected",
        system: "system",
        history: "history",
      },
    });
  });
  it("alpaca SFT rows and the older output: [chosen, rejected] ranking layout", () => {
    expect(loadDataset(file("a-sft.json", [{ instruction: "q", input: "", output: "a" }])).dataset).toEqual({
      kind: "sft",
      rows: [{ prompt: [{ role: "user", content: "q" }], completion: "a" }],
    });
    expect(loadDataset(file("a-old.json", [{ instruction: "q", output: ["a", "b"] }])).dataset.kind).toBe("pair");
  });
  it("sharegpt DPO rows (odd turns) and SFT rows", () => {
    const row = {
      conversations: [
        { from: "human", value: "q1" },
        { from: "gpt", value: "a1" },
        { from: "human", value: "q2" },
      ],
      chosen: { from: "gpt", value: "good" },
      rejected: { from: "gpt", value: "bad" },
      system: "S",
    };
    const { dataset } = loadDataset(file("sg.json", [row]));
    expect(dataset.kind).toBe("pair");
    expect(exportRows(dataset, "sharegpt")).toEqual([row]);
    const sft = {
      conversations: [
        { from: "human", value: "q" },
        { from: "gpt", value: "a" },
      ],
    };
    const s = loadDataset(file("sg-sft.json", [sft])).dataset;
    expect(s.kind).toBe("sft");
    expect(exportRows(s, "sharegpt")).toEqual([sft]);
    expect(exportRows(s, "sft")).toEqual([
      {
        messages: [
          { role: "user", content: "q" },
          { role: "assistant", content: "a" },
        ],
      },
    ]);
  });
  it("two consecutive human turns that are not a ranking row are rejected", () => {
    const p = file("sg-bad.json", [
      {
        conversations: [
          { from: "human", value: "q" },
          { from: "human", value: "r" },
        ],
      },
    ]);
    expect(() => loadDataset(p)).toThrow(/must end with a gpt turn/);
  });
});

describe("detection", () => {
  it("names the file and row of an unknown layout", () => {
    const p = jsonl("unknown.jsonl", [{ question: "q", answer: "a" }]);
    expect(() => loadDataset(p)).toThrow(
      /unknown\.jsonl:1: cannot detect the dataset format from fields \[question, answer\]/,
    );
  });
  it("rejects files mixing formats", () => {
    const p = jsonl("mixed.jsonl", [
      { prompt: "q", chosen: "a", rejected: "b" },
      { instruction: "q", output: "a" },
    ]);
    expect(() => loadDataset(p)).toThrow(/mixed\.jsonl:2: row looks like "alpaca"/);
  });
  it("project IOPO groups, DPO pairs and SFT rows are detected", () => {
    expect(loadDataset(jsonl("g.jsonl", [group])).format).toBe("iopo");
    expect(loadDataset(jsonl("s.jsonl", [{ prompt: "q", completion: "a" }])).format).toBe("sft");
  });
});
