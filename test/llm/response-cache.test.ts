import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import Database from "better-sqlite3";
import { afterAll, describe, expect, it } from "vitest";
import { publicBaseUrl } from "../../src/llm/request-body.js";
import { CachedChatModel, cacheKey, defaultCachePath, ResponseCache } from "../../src/llm/response-cache.js";
import type { ChatCallOptions, ChatModel, ChatRequest, ChatResponse } from "../../src/llm/types.js";
import { canonicalJson, sha256 } from "../../src/util/hash.js";

const dir = mkdtempSync(join(tmpdir(), "iopo-cache-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const req = (content: string, extra: Partial<ChatRequest> = {}): ChatRequest => ({
  messages: [{ role: "user", content }],
  ...extra,
});
const reply = (text: string): ChatResponse => ({
  text,
  usage: { prompt_tokens: 3, completion_tokens: 2 },
  model: "m",
  finish_reason: "stop",
});

/** Counts calls; each reply is resolved by the test (to hold calls in flight). */
class ManualModel implements ChatModel {
  readonly id = "openai-compatible:http://h/v1#m";
  readonly model = "m";
  calls = 0;
  pending: Array<{ resolve: (r: ChatResponse) => void; reject: (e: unknown) => void; signal?: AbortSignal }> = [];
  chat(_r: ChatRequest, options: ChatCallOptions = {}): Promise<ChatResponse> {
    this.calls++;
    return new Promise((resolve, reject) => {
      this.pending.push({ resolve, reject, signal: options.signal });
      options.signal?.addEventListener("abort", () => reject(new Error("aborted")));
    });
  }
}

describe("cache key", () => {
  it("is sha256 of the canonical JSON of endpoint, full body, template hash and sample", () => {
    const r = req("hello", { temperature: 0, max_tokens: 9 });
    const expected = sha256(
      canonicalJson({
        v: 1,
        endpoint: "openai-compatible:http://h/v1#m",
        body: { model: "m", messages: [{ role: "user", content: "hello" }], temperature: 0, max_tokens: 9 },
        template_hash: "t",
        sample: null,
      }),
    );
    expect(cacheKey("openai-compatible:http://h/v1#m", "m", r, "t")).toBe(expected);
    // Field order in the request does not matter; values do.
    expect(cacheKey("e", "m", { max_tokens: 9, temperature: 0, messages: r.messages }, "t")).toBe(
      cacheKey("e", "m", r, "t"),
    );
    expect(cacheKey("e", "m", r, "t")).not.toBe(cacheKey("e", "m2", r, "t"));
    expect(cacheKey("e", "m", r, "t")).not.toBe(cacheKey("e2", "m", r, "t"));
    expect(cacheKey("e", "m", r, "t")).not.toBe(cacheKey("e", "m", r, undefined));
    expect(cacheKey("e", "m", r, "t", 0)).not.toBe(cacheKey("e", "m", r, "t"));
  });

  it("uses the base URL without credentials", () => {
    expect(publicBaseUrl("http://user:pw@host:8000/v1/")).toBe("http://host:8000/v1");
    expect(publicBaseUrl("https://x.openai.azure.com/openai?api-key=abc&api-version=2024")).toBe(
      "https://x.openai.azure.com/openai?api-version=2024",
    );
    expect(() => publicBaseUrl("not a url")).toThrow(/invalid base URL/);
  });

  it("defaults to $IOPO_CACHE, else .iopo-cache/llm.sqlite in the working directory", () => {
    expect(defaultCachePath({}, "/work/x")).toBe(resolve("/work/x/.iopo-cache/llm.sqlite"));
    expect(defaultCachePath({ IOPO_CACHE: "/tmp/c.sqlite" }, "/work/x")).toBe("/tmp/c.sqlite");
    expect(defaultCachePath({ IOPO_CACHE: "rel/c.sqlite" }, "/work/x")).toBe(resolve("/work/x/rel/c.sqlite"));
    // The folder of all caches (shared with the log-prob cache); IOPO_CACHE (the file) still wins.
    expect(defaultCachePath({ IOPO_CACHE_DIR: "/var/c" }, "/work/x")).toBe("/var/c/llm.sqlite");
    expect(defaultCachePath({ IOPO_CACHE_DIR: "/var/c", IOPO_CACHE: "/tmp/c.sqlite" }, "/work/x")).toBe(
      "/tmp/c.sqlite",
    );
  });
});

describe("ResponseCache", () => {
  it("persists replies across instances, in WAL mode, and reports stats", () => {
    const path = join(dir, "a", "cache.sqlite");
    const c1 = new ResponseCache(path);
    c1.put("k1", { endpoint: "e", model: "m", stage: "expand", templateHash: "t", request: req("a") }, reply("A"));
    c1.put("k2", { endpoint: "e", model: "m2", stage: "judge", request: req("b") }, reply("B"));
    expect(c1.get("k1")).toMatchObject({ text: "A", cached: true }); // visible before the commit
    c1.close();
    const c2 = new ResponseCache(path);
    expect(c2.get("k1")).toEqual({ ...reply("A"), cached: true });
    expect(c2.get("nope")).toBeUndefined();
    const s = c2.stats();
    expect(s).toMatchObject({ entries: 2, prompt_tokens: 6, completion_tokens: 4 });
    expect(s.by_model.map((m) => m.model).sort()).toEqual(["m", "m2"]);
    expect(s.by_stage.map((m) => m.stage).sort()).toEqual(["expand", "judge"]);
    expect(c2.clear({ model: "m2" })).toBe(1);
    expect(c2.stats().entries).toBe(1);
    expect(c2.clear()).toBe(1);
    c2.close();
    const db = new Database(path, { readonly: true });
    expect(db.pragma("journal_mode", { simple: true })).toBe("wal");
    db.close();
  });

  it("refuses a file that is not a cache with a clear message", () => {
    const path = join(dir, "not-a-db.sqlite");
    writeFileSync(path, "this is not sqlite ".repeat(100));
    expect(() => new ResponseCache(path)).toThrow(/cannot open the response cache .*not-a-db\.sqlite: .*--no-cache/);
  });

  it("commits pending writes at the end of the event-loop turn", async () => {
    const path = join(dir, "turn.sqlite");
    const c = new ResponseCache(path);
    c.put("k", { endpoint: "e", model: "m", request: req("a") }, reply("A"));
    const other = new Database(path, { readonly: true });
    const count = () => (other.prepare("SELECT COUNT(*) AS n FROM responses").get() as { n: number }).n;
    expect(count()).toBe(0);
    await new Promise((r) => setImmediate(r));
    expect(count()).toBe(1);
    other.close();
    c.close();
  });
});

describe("CachedChatModel", () => {
  it("merges identical in-flight calls; an awaiter's abort leaves the others served", async () => {
    const inner = new ManualModel();
    const m = new CachedChatModel(inner, new ResponseCache(join(dir, "merge.sqlite")));
    const ac = new AbortController();
    const a = m.chat(req("x"));
    const b = m.chat(req("x"), { signal: ac.signal });
    const c = m.chat(req("x"));
    expect(inner.calls).toBe(1);
    ac.abort();
    await expect(b).rejects.toMatchObject({ kind: "aborted" });
    inner.pending[0]!.resolve(reply("X"));
    const [ra, rc] = await Promise.all([a, c]);
    expect(ra).toMatchObject({ text: "X", cached: false });
    expect(rc).toMatchObject({ text: "X", cached: true });
    expect(m.counters).toMatchObject({ misses: 1, merged: 2, stored: 1 });
    await expect(m.chat(req("x"))).resolves.toMatchObject({ text: "X", cached: true });
    expect(inner.calls).toBe(1);
    m.cache!.close();
  });

  it("cancels the shared call only when every awaiter has aborted, and stores nothing", async () => {
    const inner = new ManualModel();
    const m = new CachedChatModel(inner, new ResponseCache(join(dir, "abort.sqlite")));
    const ac1 = new AbortController();
    const ac2 = new AbortController();
    const p1 = m.chat(req("y"), { signal: ac1.signal });
    const p2 = m.chat(req("y"), { signal: ac2.signal });
    ac1.abort();
    await expect(p1).rejects.toBeTruthy();
    expect(inner.pending[0]!.signal!.aborted).toBe(false);
    ac2.abort();
    await expect(p2).rejects.toBeTruthy();
    expect(inner.pending[0]!.signal!.aborted).toBe(true);
    expect(m.cache!.stats().entries).toBe(0);
    // The next call goes to the network again.
    const p3 = m.chat(req("y"));
    expect(inner.calls).toBe(2);
    inner.pending[1]!.resolve(reply("Y"));
    await expect(p3).resolves.toMatchObject({ text: "Y" });
    m.cache!.close();
  });

  it("shares an error among merged awaiters and does not store it", async () => {
    const inner = new ManualModel();
    const m = new CachedChatModel(inner, new ResponseCache(join(dir, "err.sqlite")));
    const p = [m.chat(req("z")), m.chat(req("z"))];
    inner.pending[0]!.reject(new Error("boom"));
    for (const x of p) await expect(x).rejects.toThrow("boom");
    expect(m.cache!.stats().entries).toBe(0);
    m.cache!.close();
  });

  it("without a persistent cache (--no-cache) still merges but never writes a file", async () => {
    const inner = new ManualModel();
    const m = new CachedChatModel(inner, undefined);
    const p = [m.chat(req("w")), m.chat(req("w"))];
    inner.pending[0]!.resolve(reply("W"));
    await Promise.all(p);
    const again = m.chat(req("w"));
    expect(inner.calls).toBe(2);
    inner.pending[1]!.resolve(reply("W2"));
    await expect(again).resolves.toMatchObject({ text: "W2", cached: false });
    expect(existsSync(join(dir, ".iopo-cache"))).toBe(false);
  });
});
