/**
 * TRACE stage runner throughput: 5,000 rows through one construction stage (`respond`) at concurrency 64 against the
 * fake OpenAI-compatible server (200 ms latency, its own process), through the full path a `trace` run takes:
 * stage runner (request rendering, per-row journal, input-order assembly, parsing, progress) -> LLM stack (ledger,
 * SQLite cache, scheduler, SDK). Prints wall time vs the ideal calls x latency / concurrency and vs the LLM stack
 * alone on the same calls (the peer, measured in the same run), then reruns the stage: calls must be 0.
 *
 *   npx tsx bench/trace-stage.ts [--rows 5000] [--concurrency 64] [--latency-ms 200]
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { createChatModel } from "../src/llm/create-chat-model.js";
import type { PipelineRow } from "../src/stages/stage.js";
import { runStage } from "../src/stages/stage-runner.js";
import { respondStage } from "../src/trace/respond.js";
import { Progress } from "../src/util/progress.js";

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
};
const ROWS = arg("--rows", 5000);
const CONCURRENCY = arg("--concurrency", 64);
const LATENCY_MS = arg("--latency-ms", 200);

async function startServerProcess(): Promise<{ child: ChildProcess; baseUrl: string }> {
  const child = spawn(
    process.execPath,
    ["--import", "tsx", "test/helpers/fake-openai-server.ts", "--latency-ms", String(LATENCY_MS)],
    { stdio: ["ignore", "pipe", "inherit"] },
  );
  const line = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).once("line", resolve);
    child.once("exit", (code) => reject(new Error(`fake server exited with ${code}`)));
  });
  return { child, baseUrl: JSON.parse(line).baseUrl };
}

function rows(prefix: string): PipelineRow[] {
  return Array.from({ length: ROWS }, (_, i) => ({
    id: String(i),
    description: `${prefix}Write a short story about item ${i}.`,
    constraints_splits: [`1. Use ${(i % 7) + 3} sentences.`, "2. Mention the sea.", "3. End with a question."],
    input: "NULL",
  }));
}

async function runOnce(baseUrl: string, dir: string, cachePath: string, prefix = "") {
  const model = createChatModel({ baseUrl, model: "fake-model", concurrency: CONCURRENCY, cachePath });
  const t0 = performance.now();
  const r = await runStage({
    stage: respondStage(),
    rows: rows(prefix),
    model,
    ctx: { lang: "en", seed: 1 },
    journalDir: join(dir, "journal"),
    concurrency: CONCURRENCY,
    progress: new Progress({ silent: true }),
  });
  const ms = performance.now() - t0;
  const live = model.stats().scheduler.calls;
  model.close();
  if (r.summary.call_failures > 0) throw new Error(`${r.summary.call_failures} calls failed`);
  return { ms, live, kept: r.kept.length };
}

/** Peer: the LLM stack alone on the same requests (no stage runner), fresh cache. */
async function runPeer(baseUrl: string, cachePath: string, prefix: string) {
  const model = createChatModel({ baseUrl, model: "fake-model", concurrency: CONCURRENCY, cachePath });
  const stage = respondStage();
  const reqs = rows(prefix).map((r) => stage.request(r, { lang: "en", seed: 1 }));
  const t0 = performance.now();
  await Promise.all(reqs.map((r) => model.chat(r, { stage: "respond" })));
  const ms = performance.now() - t0;
  model.close();
  return ms;
}

const dir = mkdtempSync(join(tmpdir(), "iopo-bench-trace-"));
const { child, baseUrl } = await startServerProcess();
try {
  const ideal = (ROWS * LATENCY_MS) / CONCURRENCY;
  await runPeer(baseUrl, join(dir, "warm.sqlite"), "warm-up "); // JIT and sockets, other prompts
  const first = await runOnce(baseUrl, dir, join(dir, "llm.sqlite"));
  const peerMs = await runPeer(baseUrl, join(dir, "peer.sqlite"), "peer ");
  const again = await runOnce(baseUrl, dir, join(dir, "llm.sqlite"));
  console.log(`rows=${ROWS} concurrency=${CONCURRENCY} latency=${LATENCY_MS}ms (server in its own process)`);
  console.log(`stage run: wall ${(first.ms / 1000).toFixed(2)} s, ideal ${(ideal / 1000).toFixed(2)} s`);
  console.log(`ratio wall/ideal: ${(first.ms / ideal).toFixed(3)} (target <= 1.10)`);
  console.log(
    `peer (LLM stack alone, same calls): ${(peerMs / 1000).toFixed(2)} s; runner / peer ${(first.ms / peerMs).toFixed(3)}`,
  );
  console.log(`rerun: ${again.live} calls (journal), ${(again.ms / 1000).toFixed(2)} s, kept ${again.kept}/${ROWS}`);
} finally {
  child.kill();
  rmSync(dir, { recursive: true, force: true });
}
