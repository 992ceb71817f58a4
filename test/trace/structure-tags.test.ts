import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { formatSummary, summarize } from "../../src/stages/pipeline.js";
import { runStage } from "../../src/stages/stage-runner.js";
import { DIMENSIONS } from "../../src/taxonomy/dimensions.js";
import { findDimensionTag } from "../../src/taxonomy/lookup.js";
import { parseStructured, structureStage } from "../../src/trace/structure.js";
import { ScriptedChatModel } from "../helpers/scripted-chat-model.js";

const reply = (tags: string[]) =>
  `#Task Description: Write a title.\n#Constraints:\n${tags.map((t, i) => `${i + 1}. Constraint ${i}. ${t}`).join("\n")}\n#Input: NULL`;

describe("structurer dimension tags", () => {
  it("reads every dimension in the paper's Table 6 spellings: English with/without 'Constraint', Chinese with/without 约束", () => {
    for (const d of DIMENSIONS) {
      const zhBare = d.label.replace(/约束$/, "");
      for (const tag of [d.name, `${d.name} Constraint`, `${d.name} constraints`, d.label, zhBare, d.key])
        expect(findDimensionTag(tag)?.key, tag).toBe(d.key);
    }
    expect(findDimensionTag("模板约束")?.key).toBe("template");
    expect(findDimensionTag("Content Constraint")).toBeUndefined(); // a type, not a dimension
  });

  it("strips a recognised tag into levels2; an unrecognised one stays in the text and is counted", () => {
    const p = parseStructured(reply(["[Numerical Constraint]", "【数值】", "[Mood Constraint]", ""]));
    if (typeof p === "string") throw new Error(p);
    expect(p.constraints_splits).toEqual([
      "1. Constraint 0.",
      "2. Constraint 1.",
      "3. Constraint 2. [Mood Constraint]",
      "4. Constraint 3.",
    ]);
    expect(p.levels2).toEqual(["数值约束", "数值约束", "", ""]);
  });

  it("the structure stage's summary counts unrecognised tags and untagged lines; formatSummary prints them", async () => {
    const model = new ScriptedChatModel((req) =>
      req.messages[0].content.includes("seed-a")
        ? reply(["[Inclusion Constraint]", "[Mood Constraint]"])
        : reply(["[Tone and Style Constraint]", ""]),
    );
    const rows = [
      { id: "a", instruction: "seed-a" },
      { id: "b", instruction: "seed-b" },
    ];
    const r = await runStage({
      stage: structureStage(),
      rows,
      model,
      ctx: { lang: "en", seed: 0 },
      journalDir: mkdtempSync(join(tmpdir(), "iopo-tags-")),
    });
    expect(r.kept).toHaveLength(2);
    expect(r.summary.counters).toEqual({ unrecognised_dimension_tags: 1, untagged_constraints: 1 });
    const text = formatSummary(summarize(2, 2, 0, [r.summary]));
    expect(text).toContain("structure: unrecognised dimension tags 1");
    expect(text).toContain("structure: untagged constraints 1");
  });
});
