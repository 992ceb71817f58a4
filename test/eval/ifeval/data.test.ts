import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { DataError } from "../../../src/data/errors.js";
import { BUNDLED_INPUT_DATA, matchResponses, readPrompts, readResponses } from "../../../src/eval/ifeval/data.js";

const tmp = mkdtempSync(join(tmpdir(), "iopo-ifeval-data-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
let n = 0;
const file = (rows: unknown[]) => {
  const f = join(tmp, `f${n++}.jsonl`);
  writeFileSync(f, rows.map((r) => JSON.stringify(r)).join("\n") + "\n");
  return f;
};

describe("readPrompts", () => {
  it("reads the bundled 541 prompts (834 instructions)", () => {
    const prompts = readPrompts(BUNDLED_INPUT_DATA);
    expect(prompts).toHaveLength(541);
    expect(prompts.reduce((s, p) => s + p.instruction_id_list.length, 0)).toBe(834);
  });

  it("reads the Hugging Face layout (every kwarg key present, unused ones null)", () => {
    const f = file([
      {
        key: 1,
        prompt: "p",
        instruction_id_list: ["punctuation:no_comma", "length_constraints:number_words"],
        kwargs: [
          { num_words: null, relation: null, keywords: null },
          { num_words: 10, relation: "at least", keywords: null },
        ],
      },
    ]);
    expect(readPrompts(f)[0].kwargs[1]).toMatchObject({ num_words: 10 });
  });

  it("names file, line and field of unknown ids, misaligned kwargs and bad kwarg values", () => {
    const good = { key: 1, prompt: "p", instruction_id_list: ["punctuation:no_comma"], kwargs: [{}] };
    const cases: [unknown, string][] = [
      [{ ...good, instruction_id_list: ["keywords:nope"] }, 'field "instruction_id_list.0"'],
      [{ ...good, kwargs: [] }, 'field "kwargs"'],
      [
        {
          ...good,
          instruction_id_list: ["detectable_format:title", "keywords:frequency"],
          kwargs: [{}, { keyword: "x" }],
        },
        'field "kwargs.1.frequency"',
      ],
      [{ ...good, instruction_id_list: ["keywords:existence"], kwargs: [{ keywords: ["(x"] }] }, 'field "kwargs.0"'],
    ];
    for (const [row, where] of cases) {
      const f = file([good, row]);
      const err = (() => {
        try {
          readPrompts(f);
        } catch (e) {
          return e as Error;
        }
      })();
      expect(err).toBeInstanceOf(DataError);
      expect(err!.message).toContain(`${f}:2: ${where}`);
    }
  });
});

describe("readResponses / matchResponses", () => {
  const prompts = [
    { key: 10, prompt: "alpha", instruction_id_list: ["punctuation:no_comma"], kwargs: [{}] },
    { key: 11, prompt: "beta", instruction_id_list: ["startend:quotation"], kwargs: [{}] },
    { key: 12, prompt: "gamma", instruction_id_list: ["startend:quotation"], kwargs: [{}] },
  ];

  it("matches by prompt text first, then by key (a string key too), and reports the rest", () => {
    const rows = readResponses(
      file([
        { prompt: "alpha", response: "a" },
        { prompt: "old beta text", key: "11", response: "b" },
        { prompt: "nowhere", response: "c" },
        { prompt: "alpha", response: "again" },
      ]),
    );
    const m = matchResponses(prompts, rows);
    expect(m.matched.map((x) => [x.line, x.input.key, x.matchedBy])).toEqual([
      [1, 10, "prompt"],
      [2, 11, "key"],
      [4, 10, "prompt"],
    ]);
    expect(m.unmatched.map((r) => r.line)).toEqual([3]);
    expect(m.duplicates.map((r) => r.line)).toEqual([4]);
    expect(m.missing.map((p) => p.key)).toEqual([12]);
  });

  it("a row's own instructions take precedence, and a file of only such rows has nothing missing", () => {
    const rows = readResponses(
      file([
        { prompt: "alpha", response: "x", instruction_id_list: ["detectable_format:title"], kwargs: [{}] },
        { prompt: "new", response: "y", instruction_id_list: ["detectable_format:title"], kwargs: [{}] },
      ]),
    );
    const m = matchResponses(prompts, rows);
    expect(m.matched.map((x) => x.input.instruction_id_list[0])).toEqual([
      "detectable_format:title",
      "detectable_format:title",
    ]);
    expect(m.matched.map((x) => x.matchedBy)).toEqual(["own-instructions", "own-instructions"]);
    expect(m.missing.map((p) => p.key)).toEqual([11, 12]);
    expect(matchResponses(prompts, rows.slice(1)).missing).toEqual([]);
  });

  it("reads lm-evaluation-harness sample logs ({doc, filtered_resps})", () => {
    const rows = readResponses(
      file([
        {
          doc_id: 0,
          doc: { key: 11, prompt: "beta", instruction_id_list: [], kwargs: [] },
          resps: [["raw"]],
          filtered_resps: ["kept"],
        },
      ]),
    );
    expect(rows).toEqual([
      { line: 1, key: 11, prompt: "beta", response: "kept", instruction_id_list: undefined, kwargs: undefined },
    ]);
    expect(matchResponses(prompts, rows).matched[0].input.key).toBe(11);
  });

  it("rejects rows that cannot be matched or scored", () => {
    for (const [row, field] of [
      [{ response: "x" }, "prompt"],
      [{ prompt: "alpha", response: null }, "response"],
      [{ prompt: "alpha", response: "x", instruction_id_list: ["punctuation:no_comma"] }, "kwargs"],
    ] as const) {
      expect(() => readResponses(file([row]))).toThrow(new RegExp(`:1: field "${field}"`));
    }
  });
});
