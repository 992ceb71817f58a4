/**
 * LLM access layer throughput: 5,000 distinct chat calls at concurrency 64 against the fake OpenAI-compatible server
 * (200 ms simulated latency, run in its own process like a real endpoint) through the full stack: usage ledger ->
 * SQLite cache (fresh file) -> budget-free scheduler -> openai SDK. Prints wall time vs the ideal
 * calls x latency / concurrency (target ratio <= 1.10), then reruns the same calls: network calls must be 0.
 *
 *   npx tsx bench/llm-pipeline.ts [--calls 5000] [--concurrency 64] [--latency-ms 200]
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { createChatModel } from "../src/llm/create-chat-model.js";
import type { ChatRequest } from "../src/llm/types.js";

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

const CALLS = arg("--calls", 5000);
const CONCURRENCY = arg("--concurrency", 64);
const LATENCY_MS = arg("--latency-ms", 200);

async function startServerProcess(): Promise<{ child: ChildProcess; baseUrl: string }> {
  const child = spawn(
    process.execPath,
    ["--import", "tsx", "test/helpers/fake-openai-server.ts", "--latency-ms", String(LATENCY_MS)],
    { stdio: ["ignore", "pipe", "inherit"] },
  );
  const line = await new Promise<string>((resolve, reject) => {
    const rl = createInterface({ input: child.stdout! });
    rl.once("line", resolve);
    child.once("exit", (code) => reject(new Error(`fake server exited with ${code}`)));
  });
  return { child, baseUrl: JSON.parse(line).baseUrl };
}

async function serverCalls(baseUrl: string): Promise<number> {
  const res = await fetch(`${baseUrl.replace(/\/v1$/, "")}/_fake/stats`);
  return ((await res.json()) as { total: number }).total;
}

/** Prompts shaped like TRACE stage prompts (~1.5 KB each), all distinct. */
function requests(): ChatRequest[] {
  const filler =
    "You are an expert in instruction following. Expand the instruction below with constraints drawn from the " +
    "taxonomy (content, situation, style, format, example), keeping the task solvable and the constraints consistent. ";
  return Array.from({ length: CALLS }, (_, i) => ({
    messages: [
      { role: "system" as const, content: filler.repeat(4) },
      {
        role: "user" as const,
        content: `#Task ${i}: write a short story about item ${i} in ${(i % 7) + 3} sentences.`,
      },
    ],
    temperature: 0,
    max_tokens: 512,
  }));
}

let lastCpuMsPerCall = 0;
const cpuMs = (u: NodeJS.CpuUsage) => (u.user + u.system) / 1000;

async function runAll(baseUrl: string, cachePath: string): Promise<{ ms: number; texts: string[]; cached: number }> {
  const llm = createChatModel({ baseUrl, model: "fake-model", concurrency: CONCURRENCY, cachePath, timeoutMs: 60_000 });
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const out = await Promise.all(requests().map((r) => llm.chat(r, { stage: "bench", templateHash: "bench-v1" })));
  const ms = performance.now() - t0;
  lastCpuMsPerCall = cpuMs(process.cpuUsage(cpu0)) / CALLS;
  const stats = llm.stats();
  llm.close();
  if (stats.scheduler.failed > 0) throw new Error(`${stats.scheduler.failed} calls failed`);
  return { ms, texts: out.map((r) => r.text), cached: out.filter((r) => r.cached).length };
}

/**
 * The peer: the least a client can do for the same calls on this machine at this moment - bare fetch() with a
 * 64-slot worker loop, no SDK, no cache, no retries. Its ratio to the ideal shows how much of our overhead is the
 * machine (other processes, the server) rather than the stack.
 */
async function runPeer(baseUrl: string, prefix = ""): Promise<number> {
  const all = requests().map((r) =>
    JSON.stringify({
      model: "fake-model",
      ...r,
      messages: [...r.messages.slice(0, -1), { role: "user", content: prefix + r.messages.at(-1)!.content }],
    }),
  );
  let next = 0;
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const worker = async () => {
    while (next < all.length) {
      const body = all[next++]!;
      const res = await fetch(`${baseUrl}/chat/completions`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body,
      });
      const json = (await res.json()) as { choices: Array<{ message: { content: string } }> };
      if (!json.choices[0]?.message.content) throw new Error("bad reply");
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  lastCpuMsPerCall = cpuMs(process.cpuUsage(cpu0)) / all.length;
  return performance.now() - t0;
}

const dir = mkdtempSync(join(tmpdir(), "iopo-bench-llm-"));
const { child, baseUrl } = await startServerProcess();
try {
  const cachePath = join(dir, "llm.sqlite");
  const ideal = (CALLS * LATENCY_MS) / CONCURRENCY;
  // Warm the server process (JIT, sockets) with other prompts so neither measured run pays for it.
  await runPeer(baseUrl, "warm-up ");
  console.log(
    `machine: ${cpus().length} cores, load average ${loadavg()
      .map((x) => x.toFixed(1))
      .join(" ")}`,
  );
  const before = await serverCalls(baseUrl);
  const first = await runAll(baseUrl, cachePath);
  const afterFirst = await serverCalls(baseUrl);
  console.log(`calls=${CALLS} concurrency=${CONCURRENCY} latency=${LATENCY_MS}ms (server in its own process)`);
  console.log(`first run:  wall ${(first.ms / 1000).toFixed(2)} s, ideal ${(ideal / 1000).toFixed(2)} s`);
  console.log(
    `ratio wall/ideal: ${(first.ms / ideal).toFixed(3)} (target <= 1.10) network calls ${afterFirst - before}`,
  );
  console.log(`client CPU per call: ${lastCpuMsPerCall.toFixed(3)} ms`);
  const peerMs = await runPeer(baseUrl);
  console.log(
    `peer (bare fetch, same calls): wall ${(peerMs / 1000).toFixed(2)} s, ratio to ideal ${(peerMs / ideal).toFixed(3)}; ` +
      `stack / peer ${(first.ms / peerMs).toFixed(3)}; peer client CPU per call ${lastCpuMsPerCall.toFixed(3)} ms`,
  );
  const afterPeer = await serverCalls(baseUrl);
  const second = await runAll(baseUrl, cachePath);
  const afterSecond = await serverCalls(baseUrl);
  const same = second.texts.every((t, i) => t === first.texts[i]);
  console.log(
    `rerun:      wall ${(second.ms / 1000).toFixed(2)} s, network calls ${afterSecond - afterPeer}, ` +
      `served from cache ${second.cached}/${CALLS}, identical replies ${same}`,
  );
} finally {
  child.kill("SIGTERM");
  rmSync(dir, { recursive: true, force: true });
}
