import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { type Constraint, checkAll, parseConstraint } from "../../src/world/constraint.js";
import { runWorldDemo } from "../../src/world/demo-run.js";
import { parseProse } from "../../src/world/instruction.js";
import { consistencyProblems } from "../../src/world/programs/quality-judges.js";
import { renderTask } from "../../src/world/task.js";

const rows = (file: string) =>
  readFileSync(file, "utf8")
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l) => JSON.parse(l));
const parseAll = (lines: string[]) => lines.map((l) => parseConstraint(l)) as Constraint[];
const fails = (cs: Constraint[], text: string) => checkAll(cs, text).some((r) => !r.ok);

describe("trace build + pairs iopo/dpo on the world (library)", () => {
  const dir = mkdtempSync(join(tmpdir(), "iopo-world-"));
  // Higher rates than the defaults so that every kind of reject shows up on 40 seeds.
  const world = { contradictionRate: 0.3, structurerSlipRate: 0.4, responderErrorRate: 0.3 };
  const run = () => runWorldDemo({ outputDir: dir, seeds: 40, seed: 5, world });

  it("produces judged records, groups and pairs, with the expected rejects, all true by the checkers", async () => {
    const r = await run();
    expect(r.trace.parse_failures + r.trace.call_failures).toBe(0);
    const reasons = new Set(rows(join(dir, "trace", "rejects.jsonl")).map((x) => `${x.stage}:${x.reason}`));
    expect(reasons).toEqual(
      new Set([
        "structure:skipped",
        "filter_complete:incomplete",
        "filter_redundant:redundant",
        "judge:not_all_constraints_met",
      ]),
    );
    // Each reject is what its reason says.
    for (const x of rows(join(dir, "trace", "rejects.jsonl"))) {
      const expanded = parseProse(x.row.expanded_instruction)!;
      // B.2: the structurer skips the contradictory expansions
      if (x.reason === "skipped") expect(consistencyProblems(expanded).length).toBeGreaterThan(0);
      // B.3: an input task whose input the structurer lost
      if (x.reason === "incomplete") {
        expect(expanded.task.pool).toBeDefined();
        expect(x.row.input).toBe("NULL");
      }
      // B.4: a constraint stated in the task description as well
      if (x.reason === "redundant") expect(x.row.description.length).toBeGreaterThan(renderTask(expanded.task).length);
      if (x.reason === "not_all_constraints_met") {
        expect(fails(parseAll(x.row.constraints_splits), x.row.response)).toBe(true);
      }
    }

    const records = rows(join(dir, "trace", "trace.jsonl"));
    expect(records.length).toBe(r.trace.rows_out);
    expect(records.length).toBeGreaterThan(10);
    for (const rec of records) {
      expect(rec.constraints_num).toBeGreaterThanOrEqual(1);
      expect(rec.messages[1].content).toContain(rec.constraints_splits[0]);
      expect(fails(parseAll(rec.constraints_splits), rec.response)).toBe(false);
      expect(rec.judge.scores.every((s: number) => s === 10)).toBe(true);
      expect(rec.provenance.judge.model).toBe("world:judge");
      expect(rec.provenance.respond.model).toBe("world:constructor");
    }

    const groups = rows(join(dir, "iopo", "iopo_groups.jsonl"));
    expect(groups.length).toBe(r.iopo.rows_out);
    expect(groups.length).toBeGreaterThan(5);
    for (const g of groups) {
      const x1 = parseAll(g.x1.constraints_splits);
      const x2 = parseAll(g.x2.constraints_splits);
      expect(fails(x2, g.y2)).toBe(false);
      // group rationality: at least one cross pair fails, and the stored pattern is the checkers' truth
      expect(g.rationality.x2_y1_fails).toBe(fails(x2, g.y1));
      expect(g.rationality.x1_y2_fails).toBe(fails(x1, g.y2));
      expect(fails(x2, g.y1) || fails(x1, g.y2)).toBe(true);
      if (g.operation === "delete") expect(fails(x2, g.y1)).toBe(false); // a pure DELETE
      if (g.operation === "add") expect(fails(x1, g.y2)).toBe(false); // a pure ADD
    }
    // The paper's ADD and DELETE groups are kept (issue 14 part 3).
    expect(r.operations.operation_add).toBeGreaterThan(0);
    expect(r.operations.operation_delete).toBeGreaterThan(0);
    expect(r.iopo.cross_x2_y1_only).toBe(r.operations.operation_add);

    const pairs = rows(join(dir, "dpo", "dpo_pairs.jsonl"));
    expect(pairs.length).toBe(r.dpo.rows_out);
    expect(pairs.length).toBeGreaterThan(10);
    for (const p of pairs) {
      const cs = parseAll(p.constraints_splits);
      expect(fails(cs, p.chosen[0].content)).toBe(false);
      expect(fails(cs, p.rejected[0].content)).toBe(true);
    }
    expect(r.worldCalls.constructor).toBeGreaterThan(0);
    expect(r.worldCalls.judge).toBeGreaterThan(0);
  });

  it("reruns from the journals with zero world calls and identical files", async () => {
    const files = ["trace/trace.jsonl", "trace/rejects.jsonl", "iopo/iopo_groups.jsonl", "dpo/dpo_pairs.jsonl"];
    const before = files.map((f) => readFileSync(join(dir, f), "utf8"));
    const r = await run();
    expect(r.worldCalls).toEqual({ constructor: 0, judge: 0 });
    expect(r.trace.calls + r.iopo.calls + r.dpo.calls).toBe(0);
    expect(files.map((f) => readFileSync(join(dir, f), "utf8"))).toEqual(before);
  });
});
