import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { buildProgram } from "../../src/cli/main.js";
import { ResponseCache } from "../../src/llm/response-cache.js";

const dir = mkdtempSync(join(tmpdir(), "iopo-cache-cli-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function run(args: string[]): Promise<string> {
  const chunks: string[] = [];
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((s: string) => {
    chunks.push(String(s));
    return true;
  }) as typeof process.stdout.write;
  try {
    await buildProgram()
      .exitOverride()
      .parseAsync(["node", "iopo", ...args]);
  } finally {
    process.stdout.write = write;
  }
  return chunks.join("");
}

describe("iopo cache", () => {
  it("stats and clear a cache file given by --cache", async () => {
    const path = join(dir, "c.sqlite");
    expect(await run(["cache", "stats", "--cache", path])).toMatch(/no cache at .*c\.sqlite \(0 entries\)/);
    const c = new ResponseCache(path);
    const req = { messages: [{ role: "user" as const, content: "q" }] };
    const r = { text: "a", usage: { prompt_tokens: 5, completion_tokens: 7 }, model: "m1" };
    c.put("k1", { endpoint: "openai-compatible:http://h/v1#m1", model: "m1", stage: "expand", request: req }, r);
    c.put("k2", { endpoint: "openai-compatible:http://h/v1#m2", model: "m2", stage: "judge", request: req }, r);
    c.close();
    const text = await run(["cache", "stats", "--cache", path]);
    expect(text).toMatch(/entries: 2 /);
    expect(text).toMatch(/tokens: 10 prompt \+ 14 completion/);
    expect(text).toMatch(/m1 {2}openai-compatible:http:\/\/h\/v1#m1 {2}1 entries/);
    const json = JSON.parse(await run(["cache", "stats", "--cache", path, "--json"]));
    expect(json).toMatchObject({ entries: 2, exists: true, prompt_tokens: 10 });
    expect(await run(["cache", "clear", "--cache", path, "--model", "m2"])).toMatch(/removed 1 entry of model m2/);
    expect(await run(["cache", "clear", "--cache", path])).toMatch(/removed 1 entry from/);
    expect(JSON.parse(await run(["cache", "stats", "--cache", path, "--json"])).entries).toBe(0);
  });

  it("is listed in iopo --help with its subcommands", () => {
    const program = buildProgram();
    const cache = program.commands.find((c) => c.name() === "cache")!;
    expect(cache.description()).toMatch(/response cache/);
    expect(cache.commands.map((c) => c.name())).toEqual(["stats", "clear"]);
    expect(cache.commands[0]!.helpInformation()).toMatch(/--cache <path>/);
  });
});
