import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { dataSummary } from "../../src/pairs/data-summary.js";

const jsonl = (rows: unknown[]) => `${rows.map((r) => JSON.stringify(r)).join("\n")}\n`;

describe("dataSummary (the demo's and experiment's data lines)", () => {
  it("puts the records' constraint counts beside Table 2 and tabulates operations by cross-pair pattern", () => {
    const dir = mkdtempSync(join(tmpdir(), "iopo-summary-"));
    const trace = join(dir, "trace.jsonl");
    writeFileSync(trace, jsonl([1, 2, 2, 3].map((n) => ({ constraints_num: n }))));
    const x = { messages: [{ role: "user", content: "x" }] };
    const group = (operation: string, a: boolean, b: boolean) => ({
      x1: x,
      y1: "a",
      x2: x,
      y2: "b",
      operation,
      rationality: { mode: "group", x2_y1_fails: a, x1_y2_fails: b },
    });
    const groups = join(dir, "iopo_groups.jsonl");
    writeFileSync(
      groups,
      jsonl([
        group("add", true, false),
        group("delete", false, true),
        group("revise", true, true),
        group("add", true, false),
      ]),
    );
    const pairs = join(dir, "dpo_pairs.jsonl");
    writeFileSync(pairs, jsonl([{ would_drop: null }, { would_drop: "worse_answer_still_complies" }]));
    const lines = dataSummary({ traceFile: trace, groupsFile: groups, pairsFile: pairs });
    const text = lines.join("\n");
    expect(text).toMatch(/constraints per instruction: records vs paper-train/);
    expect(text).toMatch(/^ {2}1 +1 +25\.0% +991 +0\.8%$/m);
    expect(text).toMatch(/^ {2}2 +2 +50\.0% +8003 +6\.7%$/m);
    expect(text).toMatch(/^mean +2\.00 +4\.36$/m);
    expect(text).toMatch(/^add +2 +0 +2 +0$/m);
    expect(text).toMatch(/^delete +1 +0 +0 +1$/m);
    expect(text).toMatch(/^revise +1 +1 +0 +0$/m);
    expect(text).toMatch(/^all +4 +1 +2 +1$/m);
    expect(text).toMatch(/DPO pairs: 2 kept \(every worse answer, as appendix C\); --filter-worse would drop 1/);
    // only what exists is summarised
    expect(dataSummary({ traceFile: trace }).join("\n")).not.toMatch(/kept groups|DPO pairs/);
  });
});
