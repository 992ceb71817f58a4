import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCliAsync } from "../helpers/cli.js";
import { type FakeOpenAIServer, type FakeRequest, startFakeOpenAIServer } from "../helpers/fake-openai-server.js";
import { toyRecord, toyReply } from "./toy-world.js";

/**
 * `iopo pairs iopo|dpo` as child processes against a real OpenAI-compatible server on 127.0.0.1 with scripted replies
 * (the toy world) - clean, and with 20% injected faults of every transport kind: no group may be lost.
 */

const reply = (req: FakeRequest) => toyReply({ messages: req.messages as never });
const lines = (text: string) =>
  text
    .trim()
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l));

function args(kind: string, input: string, out: string, server: FakeOpenAIServer, extra: string[] = []) {
  // biome-ignore format: one flag per pair
  return [
    "pairs", kind, "--input", input, "--output-dir", out, "--base-url", server.baseUrl, "--model", "fake-model",
    "--lang", "en", "--seed", "7", "--progress", "json", "--no-cache", ...extra,
  ];
}

describe("iopo pairs (CLI)", () => {
  let clean: FakeOpenAIServer;
  let faulty: FakeOpenAIServer;
  let input: string;
  const dir = mkdtempSync(join(tmpdir(), "iopo-pairs-cli-"));

  beforeAll(async () => {
    clean = await startFakeOpenAIServer({ reply });
    faulty = await startFakeOpenAIServer({
      reply,
      faultRate: 0.2,
      faultKinds: ["rate_limit", "server_500", "server_503", "truncate", "reset"],
      seed: 11,
    });
    input = join(dir, "trace.jsonl");
    const rows = Array.from({ length: 16 }, (_, i) => toyRecord(`r${i}`, ["C1", "C2", `C3x${i}`]));
    rows.push({ ...toyRecord("bad", ["C1"]), judge: { scores: [3], overall: 3, raw: "..." } } as never);
    writeFileSync(input, `${rows.map((r) => JSON.stringify(r)).join("\n")}\n`);
  });
  afterAll(async () => {
    await clean?.close();
    await faulty?.close();
  });

  it("builds the same groups with 20% injected faults as without, and writes DPO*/SFT* rows", async () => {
    const a = await runCliAsync(args("iopo", input, join(dir, "clean"), clean, ["--equalise-tokens"]));
    expect(a.status, a.stderr).toBe(0);
    const b = await runCliAsync(
      args("iopo", input, join(dir, "faulty"), faulty, ["--equalise-tokens", "--timeout", "2000"]),
    );
    expect(b.status, b.stderr).toBe(0);
    expect(faulty.counts.total).toBeGreaterThan(clean.counts.total);
    for (const f of ["iopo_groups.jsonl", "rejects.jsonl", "dpo_star.jsonl", "sft_star.jsonl"]) {
      expect(readFileSync(join(dir, "faulty", f), "utf8"), f).toBe(readFileSync(join(dir, "clean", f), "utf8"));
    }
    const groups = lines(readFileSync(join(dir, "clean", "iopo_groups.jsonl"), "utf8"));
    expect(groups.length).toBeGreaterThan(0);
    expect(lines(readFileSync(join(dir, "clean", "dpo_star.jsonl"), "utf8")).length).toBe(2 * groups.length);
    expect(lines(readFileSync(join(dir, "clean", "sft_star.jsonl"), "utf8")).length).toBe(2 * groups.length);
    const summary = JSON.parse(readFileSync(join(dir, "clean", "summary.json"), "utf8"));
    expect(summary.inputs_not_full_score).toBe(1);
    expect(summary.operation_add + summary.operation_delete + summary.operation_revise).toBe(groups.length);
    expect(summary.cross_x2_y1_only).toBe(summary.operation_add); // pure ADD: y2 also meets x1
    expect(summary.cross_x1_y2_only).toBe(summary.operation_delete); // pure DELETE: y1 also meets x2
    expect(a.stdout).toMatch(/kept groups by operation and by the cross pairs that fail/);
    expect(a.stdout).toMatch(/^delete +\d+ +0 +0 +\d+$/m);
    expect(lines(readFileSync(join(dir, "clean", "inputs_not_full_score.jsonl"), "utf8"))[0].id).toBe("bad");
  });

  it("--rationality strict keeps only groups where both cross pairs fail", async () => {
    const r = await runCliAsync(args("iopo", input, join(dir, "strict"), clean, ["--rationality", "strict"]));
    expect(r.status, r.stderr).toBe(0);
    const summary = JSON.parse(readFileSync(join(dir, "strict", "summary.json"), "utf8"));
    expect(summary.rows_out).toBe(summary.operation_revise);
    expect(summary.cross_both).toBe(summary.rows_out);
    const bad = await runCliAsync(args("iopo", input, join(dir, "x"), clean, ["--rationality", "loose"]));
    expect(bad.status).toBe(2);
  });

  it("writes DPO pairs in TRL's conversational format; --filter-worse is a flag", async () => {
    const r = await runCliAsync(args("dpo", input, join(dir, "dpo"), clean));
    expect(r.status, r.stderr).toBe(0);
    const pairs = lines(readFileSync(join(dir, "dpo", "dpo_pairs.jsonl"), "utf8"));
    expect(pairs.length).toBe(16);
    expect(Object.keys(pairs[0])).toEqual(
      expect.arrayContaining(["prompt", "chosen", "rejected", "judge", "would_drop"]),
    );
    const summary = JSON.parse(readFileSync(join(dir, "dpo", "summary.json"), "utf8"));
    expect(summary.worse_filter).toBe(0);
    const f = await runCliAsync(args("dpo", input, join(dir, "dpo-f"), clean, ["--filter-worse"]));
    expect(f.status, f.stderr).toBe(0);
    expect(JSON.parse(readFileSync(join(dir, "dpo-f", "summary.json"), "utf8")).worse_filter).toBe(1);
  });

  it("builder and judge on different endpoints (--judge-base-url); an unpriced model costs 'unknown', not $0", async () => {
    const builder = await startFakeOpenAIServer({ reply });
    const judge = await startFakeOpenAIServer({ reply });
    try {
      const out = join(dir, "two-endpoints");
      // biome-ignore format: one flag per pair
      const r = await runCliAsync([
        "pairs", "dpo", "--input", input, "--output-dir", out, "--base-url", builder.baseUrl, "--model", "builder-x",
        "--judge-base-url", judge.baseUrl, "--judge-model", "judge-y", "--lang", "en", "--progress", "none", "--no-cache",
      ]);
      expect(r.status, r.stderr).toBe(0);
      expect(builder.counts.total).toBeGreaterThan(0);
      expect(judge.counts.total).toBeGreaterThan(0);
      expect(new Set(builder.requests.map((q) => q.body.model))).toEqual(new Set(["builder-x"]));
      expect(new Set(judge.requests.map((q) => q.body.model))).toEqual(new Set(["judge-y"]));
      expect(r.stdout).toMatch(/est\. cost unknown \(\d+ call\(s\) of a model without a price/);
      expect(r.stdout).not.toContain("$0.0000");
      const summary = JSON.parse(readFileSync(join(out, "summary.json"), "utf8"));
      expect(summary.est_cost_usd).toBeNull();
      expect(summary.unpriced_calls).toBe(builder.counts.total + judge.counts.total);
      // With prices the same run (served from the journals) has a cost.
      // biome-ignore format: one flag per pair
      const priced = await runCliAsync([
        "pairs", "dpo", "--input", input, "--output-dir", out, "--base-url", builder.baseUrl, "--model", "builder-x",
        "--judge-base-url", judge.baseUrl, "--judge-model", "judge-y", "--lang", "en", "--progress", "none", "--no-cache",
        "--price-input", "1", "--price-output", "2",
      ]);
      expect(priced.status, priced.stderr).toBe(0);
      expect(priced.stdout).toMatch(/est\. cost \$\d+\.\d{4}/);
      expect(JSON.parse(readFileSync(join(out, "summary.json"), "utf8")).est_cost_usd).toBeGreaterThan(0);
    } finally {
      await builder.close();
      await judge.close();
    }
  });

  it("names file, line and field of a bad input", async () => {
    const bad = join(dir, "bad.jsonl");
    writeFileSync(
      bad,
      `${JSON.stringify(toyRecord("a", ["C1"]))}\n{"id":"b","description":"d","input":"NULL","response":"x"}\n`,
    );
    const r = await runCliAsync(args("iopo", bad, join(dir, "bad"), clean));
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/bad\.jsonl:2: field "constraints_splits"/);
  });
});
