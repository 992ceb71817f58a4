import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { TraceRecord } from "../../../src/data/schemas.js";
import { evalTrace } from "../../../src/eval/trace/evaluate.js";
import { rulesJudge } from "../../../src/eval/trace/offline-judge.js";
import { readTraceData } from "../../../src/eval/trace/responses.js";
import { selectTraceRecords, stratifiedSample } from "../../../src/eval/trace/select.js";
import { BUNDLED_TRACE_EVALUATION } from "../../../src/trace/stats.js";
import { generateEvalSet, scoreWithCheckers } from "../../../src/world/eval-set.js";
import { parseUserMessage } from "../../../src/world/instruction.js";
import { respond, respondViolating } from "../../../src/world/responder.js";
import { worldTraceJudge } from "../../../src/world/trace-judge.js";
import { runCliAsync } from "../../helpers/cli.js";
import { type FakeOpenAIServer, startFakeOpenAIServer } from "../../helpers/fake-openai-server.js";

const dir = mkdtempSync(join(tmpdir(), "iopo-trace-offline-"));
const jsonl = (name: string, rows: unknown[]) => {
  const p = join(dir, name);
  writeFileSync(p, `${rows.map((r) => JSON.stringify(r)).join("\n")}\n`);
  return p;
};
const lines = (p: string) =>
  readFileSync(p, "utf8")
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l));

describe("--limit: a stratified sample by number of constraints", () => {
  const all = readTraceData(BUNDLED_TRACE_EVALUATION);
  const counts = (rs: readonly TraceRecord[]) => {
    const m = new Map<number, number>();
    for (const r of rs) m.set(r.constraints_num, (m.get(r.constraints_num) ?? 0) + 1);
    return m;
  };

  it("has IF-S and IF-M items even where the first records are all single-constraint", () => {
    expect(all.slice(0, 20).every((r) => r.constraints_num === 1)).toBe(true);
    for (const n of [2, 5, 10, 20]) {
      const s = stratifiedSample(all, n, 0);
      expect(s).toHaveLength(n);
      expect(s.some((r) => r.constraints_num === 1)).toBe(true);
      expect(s.some((r) => r.constraints_num >= 2)).toBe(true);
    }
  });

  it("gives every constraint count one record, then shares the rest in proportion; in data order", () => {
    const full = counts(all);
    const n = 200;
    const s = stratifiedSample(all, n, 0);
    expect(s).toHaveLength(n);
    const got = counts(s);
    expect([...got.keys()].sort((a, b) => a - b)).toEqual([...full.keys()].sort((a, b) => a - b));
    for (const [k, size] of full) {
      const share = 1 + ((size - 1) * (n - full.size)) / (all.length - full.size);
      expect(Math.abs(got.get(k)! - share), `constraints_num ${k}`).toBeLessThan(1);
    }
    const index = new Map(all.map((r, i) => [r, i]));
    expect(s.map((r) => index.get(r)!)).toEqual([...s.map((r) => index.get(r)!)].sort((a, b) => a - b));
  });

  it("is deterministic for a seed, changes with the seed, and does not depend on the file's order", () => {
    const ids = (rs: readonly TraceRecord[]) => rs.map((r) => r.id).sort();
    expect(ids(stratifiedSample(all, 30, 1))).toEqual(ids(stratifiedSample(all, 30, 1)));
    expect(ids(stratifiedSample(all, 30, 1))).not.toEqual(ids(stratifiedSample(all, 30, 2)));
    expect(ids(stratifiedSample([...all].reverse(), 30, 1))).toEqual(ids(stratifiedSample(all, 30, 1)));
    expect(stratifiedSample(all, 5000, 0)).toHaveLength(all.length);
  });

  it("--ids picks exact records; an unknown id is an error naming it", () => {
    expect(selectTraceRecords(all, { ids: "13,7" }).map((r) => r.id)).toEqual(["7", "13"]);
    expect(() => selectTraceRecords(all, { ids: "7,nope" })).toThrow(/no record with id nope/);
  });
});

describe("offline judges", () => {
  const world = generateEvalSet(12, 5, 1, 4, "w");
  // A compliant answer for even records, one that breaks constraint 0 for odd records (when the world can).
  const responses = world.map((r, i) => {
    const ins = parseUserMessage(r.messages[1].content)!;
    const text = (i % 2 === 1 ? respondViolating(ins, 0, `v${i}`) : undefined)?.text ?? respond(ins, `r${i}`).text;
    return { id: r.id, response: text };
  });
  const dataFile = jsonl("world-eval.jsonl", world);

  it("world: the checker's verdicts, in results.jsonl and metrics.json of the usual shape, judge named", async () => {
    const out = join(dir, "world");
    const { result } = await evalTrace({
      dataFile,
      responses: new Map(responses.map((r) => [r.id, r.response])),
      offlineJudge: worldTraceJudge,
      outputDir: out,
    });
    const expected = world.map((r, i) => scoreWithCheckers(r.constraints_splits, responses[i].response));
    const followed = expected.filter((s) => s.every((x) => x === 10)).length;
    expect(followed).toBeGreaterThan(0);
    expect(followed).toBeLessThan(world.length);
    const metrics = JSON.parse(readFileSync(join(out, "metrics.json"), "utf8"));
    expect(metrics.IF).toEqual({ n: 12, followed, pct: Math.round((10000 * followed) / 12) / 100 });
    expect(metrics.IF_S.IF.n + metrics.IF_M.IF.n).toBe(12);
    expect(metrics.IF_S.IF.n).toBeGreaterThan(0);
    expect(metrics.judge_coverage).toMatchObject({ items: 12, judged_items: 12, unjudged_constraints: 0 });
    expect(metrics.provenance).toMatchObject({ judge: "world", judge_model: "world", judge_temperature: null });
    const results = lines(join(out, "results.jsonl"));
    expect(results.map((r) => r.judge.scores)).toEqual(expected);
    // The LLM judge's results.jsonl shape.
    expect(Object.keys(results[0])).toEqual([
      "id",
      "constraints_num",
      "levels2",
      "judge",
      "rules",
      "response",
      "followed",
    ]);
    expect(result.items[1].judge.raw).toMatch(/^1\. 0: /);
  });

  it("world: a record that is not world language is an error naming the record and the constraint", async () => {
    const bad = jsonl("mixed.jsonl", [
      world[0],
      { ...world[1], id: "x9", constraints_num: 1, constraints_splits: ["1. Be nice."], levels2: ["主题约束"] },
    ]);
    await expect(
      evalTrace({ dataFile: bad, responses: new Map(), offlineJudge: worldTraceJudge, outputDir: join(dir, "bad") }),
    ).rejects.toThrow(
      /mixed\.jsonl: record x9: constraint 1 "1\. Be nice\." is not a constraint of the constraint world/,
    );
  });

  it("rules: constraints without a rule are counted apart and never passed; IF is over fully judged items", async () => {
    const records = readTraceData(BUNDLED_TRACE_EVALUATION);
    const pick = (id: string) => records.find((r) => r.id === id)!;
    // 382: one constraint "output JSON" (full rule) + another; 7: quoted words (partial); 13: answer in English.
    const chosen = ["7", "13", "382"].map(pick);
    const verdicts = chosen.map((r) => rulesJudge.judge(r, '{"a": 1}'));
    const out = join(dir, "rules");
    const { result } = await evalTrace({
      records: chosen,
      responses: new Map(chosen.map((r) => [r.id, '{"a": 1}'])),
      offlineJudge: rulesJudge,
      outputDir: out,
    });
    const judged = verdicts.filter((v) => v.scores.every((s) => s !== null));
    const unjudgedConstraints = verdicts.flatMap((v) => v.scores).filter((s) => s === null).length;
    expect(unjudgedConstraints).toBeGreaterThan(0);
    const m = result.metrics;
    expect(m.judge_coverage).toMatchObject({
      items: 3,
      judged_items: judged.length,
      unjudged_items: 3 - judged.length,
      unjudged_constraints: unjudgedConstraints,
    });
    expect(m.IF.n).toBe(judged.length);
    expect(m.IF.followed).toBe(judged.filter((v) => v.scores.every((s) => s === 10)).length);
    // The rule judge does not run its rules twice (no hybrid block).
    expect(m.hybrid.with_rule).toBe(0);
    expect(result.provenance.judge).toBe("rules");
    // A constraint no rule reads has no verdict: null in the scores, never 10.
    for (const v of verdicts) expect(v.scores.every((s) => s === null || s === 0 || s === 10)).toBe(true);
  });
});

describe("iopo eval trace --judge world through the CLI, and --progress with retry counters", () => {
  let server: FakeOpenAIServer | undefined;
  afterAll(async () => server?.close());
  const world = generateEvalSet(6, 9, 1, 3, "c");
  const dataFile = jsonl("cli-eval.jsonl", world);

  it("scores `iopo generate`-shaped rows (text field, extra fields) offline, no endpoint", async () => {
    const gen = jsonl(
      "gen.jsonl",
      world.map((r, i) => ({
        ...r,
        text: respond(parseUserMessage(r.messages[1].content)!, `g${i}`).text,
        token_ids: [],
      })),
    );
    const out = join(dir, "cli-world");
    // biome-ignore format: one flag per pair
    const r = await runCliAsync([
      "eval", "trace", "--data", dataFile, "--responses", gen, "--judge", "world", "--output-dir", out, "--progress", "none",
    ]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain("judge world (offline)");
    expect(JSON.parse(readFileSync(join(out, "metrics.json"), "utf8")).IF).toEqual({ n: 6, followed: 6, pct: 100 });
    const bad = jsonl("cli-bad.jsonl", [
      { ...world[0], id: "q1", constraints_num: 1, constraints_splits: ["1. Rhyme."], levels2: ["主题约束"] },
    ]);
    const badOut = join(dir, "cli-bad");
    const e = await runCliAsync([
      "eval",
      "trace",
      "--data",
      bad,
      "--responses",
      gen,
      "--judge",
      "world",
      "--out",
      badOut,
    ]);
    expect(e.status).toBe(2);
    expect(e.stderr).toMatch(/record q1: constraint 1 "1\. Rhyme\."/);
  });

  it("generator behind 429s: JSON progress lines as work happens with retries and 429s; usage per model apart", async () => {
    server = await startFakeOpenAIServer({
      reply: (req) => respond(parseUserMessage(req.lastUser)!, "s").text,
      // Every first attempt is rate limited: each record needs one retry.
      fault: (req) => (req.seen === 0 ? "rate_limit" : undefined),
    });
    const out = join(dir, "cli-progress");
    // biome-ignore format: one flag per pair
    const r = await runCliAsync([
      "eval", "trace", "--data", dataFile, "--judge", "world", "--output-dir", out, "--base-url", server.baseUrl,
      "--model", "under-test", "--no-cache", "--progress", "json", "--concurrency", "2",
    ]);
    expect(r.status, r.stderr).toBe(0);
    const progress = r.stderr
      .split("\n")
      .filter((l) => l.startsWith("{"))
      .map((l) => JSON.parse(l));
    const generate = progress.filter((p) => p.progress === "generate");
    expect(generate.length).toBeGreaterThanOrEqual(2); // at least one line before the end, and the final one
    expect(generate[0].finished).toBeUndefined();
    const last = generate[generate.length - 1];
    expect(last).toMatchObject({ done: 6, total: 6, finished: true });
    expect(last.counters).toMatchObject({ retries: 6, rate_limited: 6 });
    const metrics = JSON.parse(readFileSync(join(out, "metrics.json"), "utf8"));
    expect(metrics.provenance.llm.judge).toBeNull();
    expect(metrics.provenance.llm.generation.usage.calls).toBe(6);
    expect(metrics.provenance.llm.generation.scheduler.rate_limited).toBe(6);
    expect(metrics.IF.followed).toBe(6);
  });
});
