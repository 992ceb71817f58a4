import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("../..", import.meta.url));

/** The CommonJS modules (ONNX Runtime's binding is one) a fresh Node process has loaded after importing `entry`. */
function loadedAfterImport(entry: string): string[] {
  const url = new URL(entry, new URL(`file://${root}/`)).href;
  const script =
    `await import(${JSON.stringify(url)});` +
    'const { createRequire } = await import("node:module");' +
    "console.log(JSON.stringify(Object.keys(createRequire(import.meta.url).cache)));";
  const out = execFileSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {
    cwd: root,
    encoding: "utf8",
  });
  return JSON.parse(out.trim().split("\n").pop()!) as string[];
}

const ort = (mods: string[]) => mods.filter((m) => m.includes("onnxruntime-node"));

describe("ONNX Runtime is loaded only by commands that run the model", () => {
  it("the CLI's startup (every command registered) does not load it; the decoder does", () => {
    expect(ort(loadedAfterImport("src/cli/main.ts"))).toEqual([]);
    expect(ort(loadedAfterImport("src/model/decoder.ts")).length).toBeGreaterThan(0);
  }, 60_000);
});
