import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { readJsonl } from "../../src/data/jsonl.js";
import { IopoGroupSchema } from "../../src/data/schemas.js";
import { buildDpoPairs } from "../../src/pairs/dpo-builder.js";
import { invalidEdit, type X1Row } from "../../src/pairs/edit-constraints.js";
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
  it("keeps the paper's ADD and DELETE groups: group rationality (eq. 6) is the default, appendix D's pure edits", async () => {
    const dir = mkdtempSync(join(tmpdir(), "iopo-groups-"));
    const model = new ScriptedChatModel((req) => toyReply(req));
    const summary = await buildIopoGroups(records(), options(dir, model));
    const groups = readJsonl(join(dir, "iopo_groups.jsonl"), IopoGroupSchema).map((r) => r.value);
    // The draw covers all three operations, and every group is rational under the group reading: ADD (x2 a
    // superset: y1 fails x2, y2 meets x1), DELETE (x2 a subset: y1 meets x2, y2 fails x1), REVISE (both fail).
    const ops = records().map((r) => chooseOperation(7, r.id, 3));
    expect(new Set(ops)).toEqual(new Set(["add", "delete", "revise"]));
    expect(groups.map((g) => g.operation)).toEqual(ops);
    expect(summary.rows_out).toBe(24);
    const pattern = { add: [true, false], delete: [false, true], revise: [true, true] };
    for (const g of groups) {
      const r = g.rationality as { mode: string; x2_y1_fails: boolean; x1_y2_fails: boolean };
      expect(r.mode).toBe("group");
      expect([r.x2_y1_fails, r.x1_y2_fails]).toEqual(pattern[g.operation!]);
      expect(g.judge!.y2_x2.scores!.every((s) => s === 10)).toBe(true);
      expect(g.judge!.y1_x2.scores!.some((s) => s < 10)).toBe(r.x2_y1_fails);
      expect(g.judge!.y2_x1.scores!.some((s) => s < 10)).toBe(r.x1_y2_fails);
      const x1 = g.x1.constraints_splits!.map((c) => c.replace(/^\d+\. /, ""));
      const x2 = g.x2.constraints_splits!.map((c) => c.replace(/^\d+\. /, ""));
      if (g.operation === "delete") expect(x1.slice(0, x2.length)).toEqual(x2); // pure: nothing reworded
      if (g.operation === "add") expect(x2.slice(0, x1.length)).toEqual(x1);
    }
    const n = (op: string) => ops.filter((o) => o === op).length;
    expect(summary).toMatchObject({
      operation_add: n("add"),
      operation_delete: n("delete"),
      operation_revise: n("revise"),
      cross_both: n("revise"),
      cross_x2_y1_only: n("add"),
      cross_x1_y2_only: n("delete"),
      add_cross_x2_y1_only: n("add"),
      delete_cross_x1_y2_only: n("delete"),
      revise_cross_both: n("revise"),
    });
  });

  it("--rationality strict keeps today's check: both cross pairs must fail (only REVISE in the toy world)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "iopo-strict-"));
    const model = new ScriptedChatModel((req) => toyReply(req));
    const summary = await buildIopoGroups(records(), { ...options(dir, model), rationality: "strict" });
    const groups = readJsonl(join(dir, "iopo_groups.jsonl"), IopoGroupSchema).map((r) => r.value);
    const rejects = readJsonl(join(dir, "rejects.jsonl"), undefined, { allowEmpty: true }).map(
      (r) => r.value as { reason: string; stage: string },
    );
    const ops = records().map((r) => chooseOperation(7, r.id, 3));
    expect(groups.length).toBe(ops.filter((o) => o === "revise").length);
    expect(summary.rows_out).toBe(groups.length);
    for (const g of groups) {
      expect(g.operation).toBe("revise");
      expect(g.rationality).toEqual({ mode: "strict", x2_y1_fails: true, x1_y2_fails: true });
    }
    const byReason = (reason: string) => rejects.filter((r) => r.reason === reason);
    expect(byReason("y1_still_complies_with_x2").length).toBe(ops.filter((o) => o === "delete").length);
    expect(byReason("y2_also_complies_with_x1").length).toBe(ops.filter((o) => o === "add").length);
    expect(byReason("y1_still_complies_with_x2")[0].stage).toBe("judge_y1_x2");
  });

  it("group rationality rejects a group whose cross pairs both comply, and records why", async () => {
    const dir = mkdtempSync(join(tmpdir(), "iopo-none-"));
    // y2 of a DELETE group also covers the deleted constraint: (x2,y1) and (x1,y2) both comply, no preference.
    const model = new ScriptedChatModel((req) => {
      const text = toyReply(req);
      const user = req.messages.at(-1)!.content;
      const plain = text.startsWith("covers:") && !user.includes("#Response");
      return plain ? `${text}[C3x${/Task r(\d+)/.exec(user)![1]}]` : text;
    });
    const rows = records().filter((r) => chooseOperation(7, r.id, 3) === "delete");
    const summary = await buildIopoGroups(rows, options(dir, model));
    const rejects = readJsonl(join(dir, "rejects.jsonl"), undefined, { allowEmpty: true }).map(
      (r) => r.value as { reason: string; stage: string },
    );
    expect(summary.rows_out).toBe(0);
    expect(rejects.length).toBe(rows.length);
    for (const r of rejects) expect([r.stage, r.reason]).toEqual(["judge_y2_x1", "no_cross_pair_fails"]);
  });

  it("appendix D: DELETE is pure, a reply that also rewords a kept item is rejected with the reason (invalid_edit)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "iopo-delete-"));
    const model = new ScriptedChatModel((req) => {
      const text = toyReply(req);
      return /operation DELETE/.test(req.messages[0].content) ? text.replace("1. C1", "1. C1 (reworded)") : text;
    });
    const rows = records();
    await buildIopoGroups(rows, options(dir, model));
    const rejects = readJsonl(join(dir, "rejects.jsonl"), undefined, { allowEmpty: true }).map(
      (r) => r.value as { reason: string; stage: string; detail: { operation: string; why: string } },
    );
    const deletes = rows.filter((r) => chooseOperation(7, r.id, 3) === "delete").length;
    expect(rejects.length).toBe(deletes);
    for (const r of rejects) {
      expect([r.stage, r.reason, r.detail.operation]).toEqual(["edit_constraints", "invalid_edit", "delete"]);
      expect(r.detail.why).toMatch(/DELETE must only remove items, but new constraint 1 .*"1\. C1 \(reworded\)"/);
    }
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

describe("invalidEdit (appendix D's three operations, each pure)", () => {
  const L = (...xs: string[]) => xs.map((x, i) => `${i + 1}. ${x}`);
  it("accepts pure edits and names what is wrong with the others", () => {
    const x1 = L("Use JSON.", "At most 50 words.", "Be formal.");
    expect(invalidEdit("delete", x1, L("Use JSON.", "Be formal."))).toBeUndefined();
    expect(invalidEdit("delete", x1, L("Use  JSON. ", "Be formal."))).toBeUndefined(); // whitespace only
    expect(invalidEdit("delete", x1, L("Be formal."))).toBeUndefined();
    expect(invalidEdit("delete", x1, L("Use JSON.", "Be polite."))).toMatch(/new constraint 2 is not an original/);
    expect(invalidEdit("delete", x1, L("Be formal.", "Use JSON."))).toMatch(/not an original one word for word/);
    expect(invalidEdit("delete", x1, x1)).toBe("constraints unchanged");
    expect(invalidEdit("delete", x1, L("use json.", "Be formal."))).toMatch(/DELETE must only remove/); // case
    expect(invalidEdit("delete", x1, [...x1, "4. More."])).toMatch(/DELETE must shorten/);
    expect(invalidEdit("add", x1, [...x1, "4. Mention Paris."])).toBeUndefined();
    expect(invalidEdit("add", x1, L("Use JSON.", "Mention Paris.", "At most 50 words.", "Be formal."))).toBeUndefined();
    expect(invalidEdit("add", x1, L("Use XML.", "At most 50 words.", "Be formal.", "Mention Paris."))).toMatch(
      /ADD changed or dropped original constraint 1/,
    );
    expect(invalidEdit("revise", x1, L("Use XML.", "At most 50 words.", "Be formal."))).toBeUndefined();
    expect(invalidEdit("revise", x1, L("Use XML.", "Be formal."))).toMatch(/REVISE must keep the count/);
    expect(invalidEdit("revise", x1, [])).toBe("empty constraint list");
  });
});

describe("pairs dpo", () => {
  it("keeps every worse answer by default (appendix C) and reports what --filter-worse would drop", async () => {
    const dir = mkdtempSync(join(tmpdir(), "iopo-dpo-all-"));
    // The worse answer of record 1 still covers everything: the paper keeps it, the filter would drop it.
    const model = new ScriptedChatModel((req) => {
      const text = toyReply(req);
      return text.includes("drops") && req.messages[0].content.includes("Task r1")
        ? text.replace(/covers: .*/, "covers: [C3x1][C2][C1]")
        : text;
    });
    const rows = records().slice(0, 4);
    const summary = await buildDpoPairs(rows, options(dir, model));
    const pairs = readJsonl(join(dir, "dpo_pairs.jsonl")).map((r) => r.value as { id: string; would_drop: unknown });
    expect(pairs.map((p) => p.id)).toEqual(["r0", "r1", "r2", "r3"]);
    expect(pairs.map((p) => p.would_drop)).toEqual([null, "worse_answer_still_complies", null, null]);
    expect(summary).toMatchObject({
      rows_out: 4,
      worse_filter: 0,
      worse_filter_would_drop_still_complies: 1,
      worse_filter_would_drop_not_lower_score: 0,
    });

    const on = mkdtempSync(join(tmpdir(), "iopo-dpo-on-"));
    const filtered = await buildDpoPairs(rows, { ...options(on, model), filterWorse: true });
    expect(readJsonl(join(on, "dpo_pairs.jsonl")).map((r) => (r.value as { id: string }).id)).toEqual([
      "r0",
      "r2",
      "r3",
    ]);
    expect(filtered).toMatchObject({ rows_out: 3, worse_filter: 1, worse_filter_dropped_still_complies: 1 });
  });

  it("with --filter-worse keeps a pair only when the worse answer scores lower", async () => {
    const dir = mkdtempSync(join(tmpdir(), "iopo-dpo-"));
    const model = new ScriptedChatModel((req) => toyReply(req));
    const rows = records().slice(0, 4);
    rows[1] = { ...rows[1], constraints_splits: ["1. C1"], response: "covers: [C1]" } as X1Row; // worse drops C1
    await buildDpoPairs(rows, { ...options(dir, model), filterWorse: true });
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
