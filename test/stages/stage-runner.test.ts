import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { templateHash } from "../../src/llm/prompt-template.js";
import { runStage } from "../../src/stages/stage-runner.js";
import { expandStage, type SeedRow } from "../../src/trace/expand.js";
import { structureStage } from "../../src/trace/structure.js";
import { ScriptedChatModel } from "../helpers/scripted-chat-model.js";
import { traceResponder } from "../helpers/trace-responder.js";

// The chain-level behaviour (resume after an interruption, call failures, re-asks, progress) is covered through
// `buildTrace` in test/trace/pipeline.test.ts; these are the journal rules of a single stage.

const tmp = () => mkdtempSync(join(tmpdir(), "iopo-stage-"));

const SEEDS: SeedRow[] = [
  { id: "a", instruction: "Write a poem about the sea." },
  { id: "b", instruction: "Explain photosynthesis. INCOMPLETE" },
  { id: "c", instruction: "List three fruits. REDUNDANT" },
];

describe("runStage journal", () => {
  it("a torn journal tail (killed mid-append) is ignored and that row is called again", async () => {
    const dir = tmp();
    const seeds = SEEDS;
    const stage = expandStage();
    const ctx = { lang: "en" as const, seed: 1 };
    const m1 = new ScriptedChatModel(traceResponder);
    await runStage({ stage, rows: seeds, model: m1, ctx, journalDir: dir });
    const journal = join(dir, readdirSync(dir)[0]);
    const lines = readFileSync(journal, "utf8").split("\n");
    writeFileSync(journal, `${lines.slice(0, 2).join("\n")}\n${lines[2].slice(0, 10)}`);
    const m2 = new ScriptedChatModel(traceResponder);
    const r = await runStage({ stage, rows: seeds, model: m2, ctx, journalDir: dir });
    expect(m2.calls).toHaveLength(1);
    expect(r.kept.map((k) => k.id)).toEqual(["a", "b", "c"]);
  });

  it("changing the template, model or parameters starts a new journal (stage signature)", async () => {
    const dir = tmp();
    const rows = [{ id: "x", expanded_instruction: "Do it.\n1. fast" }];
    const ctx = { lang: "en" as const, seed: 1 };
    await runStage({
      stage: structureStage(),
      rows,
      model: new ScriptedChatModel(traceResponder, "m1"),
      ctx,
      journalDir: dir,
    });
    const m2 = new ScriptedChatModel(traceResponder, "m2");
    await runStage({ stage: structureStage(), rows, model: m2, ctx, journalDir: dir });
    expect(m2.calls).toHaveLength(1);
    const zh = new ScriptedChatModel(traceResponder, "m2");
    await runStage({ stage: structureStage(), rows, model: zh, ctx: { ...ctx, lang: "zh" }, journalDir: dir });
    expect(zh.calls).toHaveLength(1);
    expect(readdirSync(dir)).toHaveLength(3);
    expect(templateHash(structureStage().template("en"))).not.toBe(templateHash(structureStage().template("zh")));
  });
});
