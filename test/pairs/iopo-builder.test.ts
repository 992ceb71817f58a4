import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { readJsonl } from "../../src/data/jsonl.js";
import { IopoGroupSchema } from "../../src/data/schemas.js";
import { buildDpoPairs } from "../../src/pairs/dpo-builder.js";
import type { X1Row } from "../../src/pairs/edit-constraints.js";
import { buildIopoGroups } from "../../src/pairs/iopo-builder.js";
import { chooseOperation } from "../../src/pairs/operation.js";
import type { PipelineOptions } from "../../src/stages/pipeline.js";
import { ScriptedChatModel } from "../helpers/scripted-chat-model.js";
import { toyRecord, toyReply } from "./toy-world.js";

const records = (): X1Row[] =>
  Array.from({ length: 24 }, (_, i) => ({ ...toyRecord(`r${i}`, ["C1", "C2", `C3x${i}`]), judge: {} }) as X1Row);

function options(dir: string, model: ScriptedChatModel, seed = 7): PipelineOptions {
  return { outputDir: dir, model, ctx: { lang: "en", seed }, concurrency: 4 };
}

describe("pairs iopo", () => {
  it("builds groups, keeps only rational ones and records why the others left", async () => {
    const dir = mkdtempSync(join(tmpdir(), "iopo-groups-"));
    const model = new ScriptedChatModel((req) => toyReply(req));
    const summary = await buildIopoGroups(records(), options(dir, model));
    const groups = readJsonl(join(dir, "iopo_groups.jsonl"), IopoGroupSchema).map((r) => r.value);
    const rejects = readJsonl(join(dir, "rejects.jsonl"), undefined, { allowEmpty: true }).map(
      (r) => r.value as { reason: string; stage: string },
    );

    // In the toy world only REVISE yields a rational group: ADD keeps y2 compliant with x1 (superset), and
    // DELETE keeps y1 compliant with x2 (subset). The draw must cover all three operations.
    const ops = records().map((r) => chooseOperation(7, r.id, 3));
    expect(new Set(ops)).toEqual(new Set(["add", "delete", "revise"]));
    expect(groups.length).toBe(ops.filter((o) => o === "revise").length);
    expect(summary.rows_out).toBe(groups.length);
    for (const g of groups) {
      expect(g.operation).toBe("revise");
      expect(g.x2.constraints_splits).not.toEqual(g.x1.constraints_splits);
      expect(g.x1.messages.at(-1)!.content).toContain("C1");
      expect(g.y2).toMatch(/\[C3x\d+r\]/);
      expect(g.judge!.y2_x2.scores!.every((s) => s === 10)).toBe(true);
      expect(g.judge!.y1_x2.scores!.some((s) => s < 10)).toBe(true);
      expect(g.judge!.y2_x1.scores!.some((s) => s < 10)).toBe(true);
    }
    const byReason = (reason: string) => rejects.filter((r) => r.reason === reason);
    expect(byReason("y1_still_complies_with_x2").length).toBe(ops.filter((o) => o === "delete").length);
    expect(byReason("y2_also_complies_with_x1").length).toBe(ops.filter((o) => o === "add").length);
    expect(byReason("y1_still_complies_with_x2")[0].stage).toBe("judge_y1_x2");
  });

  it("is reproducible with the same seed and resumes after an interruption without repeating calls", async () => {
    const full = mkdtempSync(join(tmpdir(), "iopo-full-"));
    const m1 = new ScriptedChatModel((req) => toyReply(req));
    await buildIopoGroups(records(), options(full, m1));

    const resumed = mkdtempSync(join(tmpdir(), "iopo-resume-"));
    class Killed extends Error {}
    const m2 = new ScriptedChatModel((req, i) => (i >= 30 ? new Killed("killed") : toyReply(req)));
    await expect(
      buildIopoGroups(records(), { ...options(resumed, m2), concurrency: 1, isFatal: (e) => e instanceof Killed }),
    ).rejects.toThrow("killed");
    const m3 = new ScriptedChatModel((req) => toyReply(req));
    await buildIopoGroups(records(), options(resumed, m3));

    expect(m2.completed.length + m3.calls.length).toBe(m1.calls.length);
    const key = (r: { messages: { content: string }[] }) => JSON.stringify(r.messages);
    const done = new Set(m2.completed.map(key));
    expect(m3.calls.some((r) => done.has(key(r)))).toBe(false);
    expect(readFileSync(join(resumed, "iopo_groups.jsonl"), "utf8")).toBe(
      readFileSync(join(full, "iopo_groups.jsonl"), "utf8"),
    );
  });
});

describe("pairs dpo", () => {
  it("keeps a pair only when the worse answer scores lower", async () => {
    const dir = mkdtempSync(join(tmpdir(), "iopo-dpo-"));
    const model = new ScriptedChatModel((req) => toyReply(req));
    const rows = records().slice(0, 4);
    rows[1] = { ...rows[1], constraints_splits: ["1. C1"], response: "covers: [C1]" } as X1Row; // worse drops C1
    await buildDpoPairs(rows, options(dir, model));
    const pairs = readJsonl(join(dir, "dpo_pairs.jsonl")).map(
      (r) =>
        r.value as {
          prompt: { role: string }[];
          chosen: unknown;
          rejected: { content: string }[];
          judge: { rejected: { scores: number[] } };
        },
    );
    expect(pairs.length).toBe(4);
    for (const p of pairs) {
      expect(p.prompt.at(-1)?.role).toBe("user");
      expect(p.chosen).toEqual([{ role: "assistant", content: expect.stringContaining("covers:") }]);
      expect(p.rejected[0].content).not.toContain("[C1]");
      expect(p.judge.rejected.scores[0]).toBe(0);
    }
  });
});
