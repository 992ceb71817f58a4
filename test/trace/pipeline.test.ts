import { existsSync, mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { renderInstruction } from "../../src/data/instruction.js";
import { readJsonl } from "../../src/data/jsonl.js";
import { TraceRecordSchema } from "../../src/data/schemas.js";
import type { ChatRequest } from "../../src/llm/types.js";
import { runStage } from "../../src/stages/stage-runner.js";
import { expandStage, type SeedRow } from "../../src/trace/expand.js";
import { buildTrace, type TraceBuildOptions } from "../../src/trace/pipeline.js";
import { Progress } from "../../src/util/progress.js";
import { ScriptedChatModel } from "../helpers/scripted-chat-model.js";
import { traceResponder } from "../helpers/trace-responder.js";

const tmp = () => mkdtempSync(join(tmpdir(), "iopo-trace-"));

const SEEDS: SeedRow[] = [
  { id: "a", instruction: "Write a poem about the sea." },
  { id: "b", instruction: "Explain photosynthesis. INCOMPLETE" },
  { id: "c", instruction: "List three fruits. REDUNDANT" },
  { id: "d", instruction: "Describe a cat. FAILJUDGE" },
  { id: "e", instruction: "Describe a dog. BADJUDGE" },
  { id: "f", instruction: "Say hi. BADEXPAND" },
  { id: "g", instruction: "写一首关于春天的诗。" },
  { id: "h", instruction: "Give advice on sleep." },
];

/** Random but seeded delays so that completion order differs from input order. */
function jitter(seed: number) {
  let s = seed;
  return () => {
    s = (s * 1103515245 + 12345) & 0x7fffffff;
    return s % 7;
  };
}

function options(dir: string, model: ScriptedChatModel, extra: Partial<TraceBuildOptions> = {}): TraceBuildOptions {
  return { outputDir: dir, model, ctx: { lang: "en", seed: 7 }, concurrency: 4, ...extra };
}

const read = (dir: string, f: string) => readFileSync(join(dir, f), "utf8");

describe("trace build (in-process scripted model)", () => {
  it("runs the chain, keeps all-10 items, rejects the rest with stage and reason, in input order", async () => {
    const dir = tmp();
    const d = jitter(1);
    const model = new ScriptedChatModel(traceResponder, "m", () => d());
    const summary = await buildTrace(SEEDS, options(dir, model));

    const kept = readJsonl(join(dir, "trace.jsonl"), TraceRecordSchema).map((r) => r.value);
    expect(kept.map((r) => r.id)).toEqual(["a", "g", "h"]);
    for (const r of kept) {
      expect(r.constraints_num).toBe(r.constraints_splits.length);
      expect(r.constraints).toBe(r.constraints_splits.join("\n"));
      expect(r.input).toBe("NULL");
      expect(r.levels2).toEqual(
        ["数值约束", "包含约束", "语气风格约束", "数值约束", "包含约束", "语气风格约束"].slice(0, r.constraints_num),
      );
      expect(r.constraints_splits.every((c) => !c.includes("["))).toBe(true);
      expect(r.messages[1].content).toBe(renderInstruction(r.description, r.constraints_splits, r.input));
      expect(r.judge?.scores?.every((s) => s === 10)).toBe(true);
      expect(Object.keys(r.provenance ?? {})).toEqual([
        "expand",
        "structure",
        "filter_complete",
        "filter_redundant",
        "respond",
        "judge",
      ]);
      for (const p of Object.values(r.provenance ?? {})) {
        expect(p.model).toBe("m");
        expect(p.template_hash).toMatch(/^[0-9a-f]{12}$/);
        expect(p.raw_output.length).toBeGreaterThan(0);
        expect(p.prompt_tokens).toBeGreaterThan(0);
      }
    }
    const rejects = readJsonl(join(dir, "rejects.jsonl")).map((r) => r.value as Record<string, unknown>);
    expect(rejects.map((r) => [r.id, r.stage, r.reason])).toEqual([
      ["f", "expand", "parse_failure"],
      ["b", "filter_complete", "incomplete"],
      ["c", "filter_redundant", "redundant"],
      ["d", "judge", "not_all_constraints_met"],
      ["e", "judge", "parse_failure"],
    ]);
    expect(rejects[0].raw_output).toBe("Sure! Here you go.");
    expect(rejects[4].raw_output).toBe("I cannot evaluate this.");

    expect(summary).toMatchObject({ rows_in: 8, rows_out: 3, rejected: 5, parse_failures: 2, call_failures: 0 });
    const saved = JSON.parse(read(dir, "summary.json"));
    expect(saved.stages.map((s: { stage: string }) => s.stage)).toHaveLength(6);
    expect(saved.calls).toBe(model.calls.length);
    expect(readdirSync(join(dir, "stages")).sort()).toEqual([
      "01_expand.jsonl",
      "02_structure.jsonl",
      "03_filter_complete.jsonl",
      "04_filter_redundant.jsonl",
      "05_respond.jsonl",
      "06_judge.jsonl",
    ]);
    // Nothing temporary left behind.
    expect(readdirSync(dir).filter((f) => f.endsWith(".tmp"))).toEqual([]);
  });

  it("the structurer's skips (B.2) and the optional filters reject with their own stage and reason", async () => {
    const dir = tmp();
    const seeds: SeedRow[] = [
      { id: "s1", instruction: "Write a haiku. SKIPME" },
      { id: "s2", instruction: "Write a limerick. UNFAITHFUL" },
      { id: "s3", instruction: "Write a sonnet. INCONSISTENT" },
      { id: "s4", instruction: "Write a riddle." },
    ];
    const model = new ScriptedChatModel(traceResponder);
    await buildTrace(seeds, options(dir, model, { filters: { faithfulness: true, consistency: true } }));
    const rejects = readJsonl(join(dir, "rejects.jsonl")).map((r) => r.value as Record<string, unknown>);
    expect(rejects.map((r) => [r.id, r.stage, r.reason])).toEqual([
      ["s1", "structure", "skipped"],
      ["s2", "filter_faithfulness", "unfaithful"],
      ["s3", "filter_consistency", "inconsistent"],
    ]);
    expect(readJsonl(join(dir, "trace.jsonl")).map((r) => (r.value as { id: string }).id)).toEqual(["s4"]);
    // Off by default: the same seeds without the flags keep s2 and s3.
    const plain = tmp();
    await buildTrace(seeds, options(plain, new ScriptedChatModel(traceResponder)));
    expect(readJsonl(join(plain, "trace.jsonl")).map((r) => (r.value as { id: string }).id)).toEqual([
      "s2",
      "s3",
      "s4",
    ]);
  });

  it("a rerun of a finished run makes zero calls and writes identical files", async () => {
    const dir = tmp();
    await buildTrace(SEEDS, options(dir, new ScriptedChatModel(traceResponder)));
    const before = ["trace.jsonl", "rejects.jsonl"].map((f) => read(dir, f));
    const again = new ScriptedChatModel(traceResponder);
    const s = await buildTrace(SEEDS, options(dir, again));
    expect(again.calls).toHaveLength(0);
    expect(s.resumed).toBeGreaterThan(0);
    expect(["trace.jsonl", "rejects.jsonl"].map((f) => read(dir, f))).toEqual(before);
  });

  it("resumes after an interruption at several points: same output, no finished call repeated", async () => {
    const ref = tmp();
    const full = new ScriptedChatModel(traceResponder);
    await buildTrace(SEEDS, options(ref, full));
    const total = full.calls.length;
    const expected = ["trace.jsonl", "rejects.jsonl"].map((f) => read(ref, f));

    for (const stopAfter of [1, 5, 13, total - 2]) {
      const dir = tmp();
      const d = jitter(stopAfter);
      const dying = new ScriptedChatModel(
        (req, i) => (i >= stopAfter ? new FatalError("killed") : traceResponder(req)),
        "scripted",
        () => d(),
      );
      await expect(buildTrace(SEEDS, options(dir, dying, { isFatal: (e) => e instanceof FatalError }))).rejects.toThrow(
        "killed",
      );
      const answered = dying.completed.map((c) => JSON.stringify(c));
      const rest = new ScriptedChatModel(traceResponder);
      await buildTrace(SEEDS, options(dir, rest));
      const repeated = rest.calls.filter((c) => answered.includes(JSON.stringify(c)));
      expect(repeated, `stopAfter=${stopAfter}`).toEqual([]);
      expect(dying.completed.length + rest.calls.length).toBe(total);
      expect(["trace.jsonl", "rejects.jsonl"].map((f) => read(dir, f))).toEqual(expected);
    }
  });

  it("failed calls become call_failed rejects (not journaled, retried by a rerun); --fail-fast stops", async () => {
    const dir = tmp();
    const flaky = new ScriptedChatModel((req) =>
      JSON.stringify(req).includes("sleep") ? new Error("HTTP 500 after retries") : traceResponder(req),
    );
    const s = await buildTrace(SEEDS, options(dir, flaky));
    expect(s.call_failures).toBe(1);
    const rejects = readJsonl(join(dir, "rejects.jsonl")).map((r) => r.value as Record<string, unknown>);
    expect(rejects.find((r) => r.id === "h")).toMatchObject({ stage: "expand", reason: "call_failed" });
    const healed = new ScriptedChatModel(traceResponder);
    const s2 = await buildTrace(SEEDS, options(dir, healed));
    expect(s2.call_failures).toBe(0);
    expect(s2.rows_out).toBe(3);
    expect(healed.calls.length).toBe(6); // only row h's six stages

    const ff = new ScriptedChatModel(() => new Error("boom"));
    await expect(buildTrace(SEEDS, options(tmp(), ff, { failFast: true }))).rejects.toThrow("boom");
    expect(ff.calls.length).toBeLessThanOrEqual(4); // the in-flight ones, then stop
  });

  it("the seed drives the suggested dimensions and is sent as the request seed", async () => {
    const runWith = async (seed: number) => {
      const m = new ScriptedChatModel(traceResponder);
      const r = await runStage({
        stage: expandStage(),
        rows: SEEDS,
        model: m,
        ctx: { lang: "en", seed },
        journalDir: tmp(),
      });
      expect(m.calls.every((c) => c.seed === seed)).toBe(true);
      return r.kept.map((k) => k.suggested_dimensions);
    };
    expect(await runWith(1)).toEqual(await runWith(1));
    expect(await runWith(1)).not.toEqual(await runWith(2));
  });

  it("reports progress as JSON lines when not on a TTY", async () => {
    const lines: string[] = [];
    const progress = new Progress({ tty: false, intervalMs: 0, stream: { write: (s: string) => lines.push(s) } });
    await buildTrace(SEEDS.slice(0, 2), options(tmp(), new ScriptedChatModel(traceResponder), { progress }));
    const parsed = lines.map((l) => JSON.parse(l));
    const finals = parsed.filter((p) => p.finished);
    expect(finals.map((p) => p.progress)).toEqual([
      "expand",
      "structure",
      "filter_complete",
      "filter_redundant",
      "respond",
      "judge",
    ]);
    expect(finals[0]).toMatchObject({ done: 2, total: 2 });
    expect(finals[0].counters.prompt_tokens).toBeGreaterThan(0);
    expect(existsSync("/nonexistent")).toBe(false);
  });

  it("--parse-retries re-asks after an unreadable reply, shows the bad reply back, and journals every attempt", async () => {
    // The judge's first answer to every row is unreadable; a re-ask gets a proper answer.
    const reply = (req: ChatRequest) => {
      const first = req.messages.find((m) => m.role === "user")!.content;
      const isJudge = first.includes("Fine Grained Score");
      if (isJudge && req.messages.length === 1) return "garbled {{";
      return traceResponder({ ...req, messages: [{ role: "user", content: first }] });
    };
    const seeds = SEEDS.slice(0, 3).concat(SEEDS[6]);
    const noRetry = await buildTrace(seeds, options(tmp(), new ScriptedChatModel(reply)));
    expect(noRetry.rows_out).toBe(0);
    expect(noRetry.parse_failures).toBe(2);

    const dir = tmp();
    const m = new ScriptedChatModel(reply);
    const s = await buildTrace(seeds, options(dir, m, { parseRetries: 1 }));
    expect(s.rows_out).toBe(2);
    const reasks = m.calls.filter((c) => c.messages.length === 3);
    expect(reasks).toHaveLength(2);
    expect(reasks[0].messages[1]).toEqual({ role: "assistant", content: "garbled {{" });
    expect(reasks[0].messages[2].content).toMatch(/could not be read/);
    const kept = readJsonl(join(dir, "trace.jsonl"), TraceRecordSchema).map((r) => r.value);
    expect(kept[0].provenance?.judge).toMatchObject({ attempts: 2 });
    const again = new ScriptedChatModel(reply);
    await buildTrace(seeds, options(dir, again, { parseRetries: 1 }));
    expect(again.calls).toHaveLength(0);
  });
});

class FatalError extends Error {}
