import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli } from "../helpers/cli.js";

describe("iopo demo (child process)", () => {
  it("runs the main job offline, then resumes with zero world calls", () => {
    const dir = mkdtempSync(join(tmpdir(), "iopo-demo-"));
    const first = runCli(["demo", "--output-dir", dir, "--seeds", "12"]);
    expect(first.status, first.stderr).toBe(0);
    expect(first.stdout).toContain("5087");
    expect(first.stdout).toMatch(/rows in 12, out \d+/);
    expect(first.stdout).toMatch(/World calls in this run: [1-9]\d*/);
    // the data beside the paper's: constraint counts vs Table 2, operation mix and cross-pair pattern
    expect(first.stdout).toMatch(/constraints per instruction: records vs paper-train/);
    expect(first.stdout).toMatch(/^mean +\d\.\d\d +4\.36$/m);
    expect(first.stdout).toMatch(/^add +\d+ +\d+ +\d+ +\d+$/m);
    expect(first.stdout).toMatch(/DPO pairs: \d+ kept \(every worse answer, as appendix C\)/);
    for (const f of [
      "seeds.jsonl",
      "trace/trace.jsonl",
      "trace/rejects.jsonl",
      "iopo/iopo_groups.jsonl",
      "dpo/dpo_pairs.jsonl",
    ]) {
      expect(existsSync(join(dir, f)), f).toBe(true);
    }
    const second = runCli(["demo", "--output-dir", dir, "--seeds", "12"]);
    expect(second.status, second.stderr).toBe(0);
    expect(second.stdout).toContain("World calls in this run: 0 (everything was resumed");
    expect(first.stderr).not.toContain("resuming from");
    expect(second.stderr).toMatch(/^resuming from .* \(journaled rows: expand 12, structure 12, /m);
  });

  it("--dry-run keeps the prompt rendering without running the pipeline", () => {
    const dir = mkdtempSync(join(tmpdir(), "iopo-demo-"));
    const r = runCli(["demo", "--dry-run", "--output-dir", dir]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain("dry run");
    expect(existsSync(join(dir, "trace"))).toBe(false);
  });
});
