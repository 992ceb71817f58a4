import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { EXIT } from "../../src/cli/options.js";
import type { AdamW } from "../../src/train/adamw.js";
import { saveCheckpoint, type TrainerState } from "../../src/train/checkpoint.js";
import { writeFileAtomic } from "../../src/util/atomic.js";
import { PathError } from "../../src/util/path-error.js";
import { runInProcess } from "../helpers/main-in-process.js";

const tmp = () => mkdtempSync(join(tmpdir(), "iopo-atomic-"));
/** Temporary files of writeFileAtomic (`.NAME.PID.TIME.tmp`) or of saveCheckpoint (`.checkpoint-N.tmp-PID`). */
const leftovers = (dir: string) => readdirSync(dir).filter((f) => f.startsWith(".") && f.includes(".tmp"));

describe("writeFileAtomic", () => {
  it("replaces the file whole and leaves no temporary file", () => {
    const dir = tmp();
    const f = join(dir, "out.txt");
    writeFileAtomic(f, "one");
    writeFileAtomic(f, "two");
    expect(readFileSync(f, "utf8")).toBe("two");
    expect(readdirSync(dir)).toEqual(["out.txt"]);
  });

  it("a rename that fails (the target is a directory) removes the temporary file and names the target", () => {
    const dir = tmp();
    const target = join(dir, "taken");
    mkdirSync(target);
    const err = (() => {
      try {
        writeFileAtomic(target, "data");
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(PathError);
    expect((err as Error).message).toBe(`${target}: is a directory, expected a file path to write`);
    expect(leftovers(dir)).toEqual([]);
    expect(readdirSync(dir)).toEqual(["taken"]);
  });

  it("a parent that is a file, or a folder without write permission: a PathError, nothing left behind", () => {
    const dir = tmp();
    writeFileSync(join(dir, "file"), "x");
    expect(() => writeFileAtomic(join(dir, "file", "out.txt"), "data")).toThrow(PathError);
    expect(readdirSync(dir)).toEqual(["file"]);
    if (process.getuid?.() === 0) return; // root writes anywhere
    const locked = join(dir, "locked");
    mkdirSync(locked);
    chmodSync(locked, 0o500);
    try {
      expect(() => writeFileAtomic(join(locked, "out.txt"), "data")).toThrow(/permission denied: cannot write here/);
      expect(readdirSync(locked)).toEqual([]);
    } finally {
      chmodSync(locked, 0o700);
    }
  });

  it("through the CLI: convert --output DIR exits 2 naming DIR and leaves no orphan temporary file", async () => {
    const dir = tmp();
    const input = join(dir, "pairs.jsonl");
    writeFileSync(input, `${JSON.stringify({ prompt: "q", chosen: "a", rejected: "b" })}\n`);
    const out = join(dir, "out");
    mkdirSync(out);
    const r = await runInProcess(["convert", "--input", input, "--output", out, "--to", "sft"]);
    expect(r.code).toBe(EXIT.usage);
    expect(r.stderr).toBe(`iopo: ${out}: is a directory, expected a file path to write\n`);
    expect(leftovers(dir)).toEqual([]);
    expect(readdirSync(out)).toEqual([]);
  });
});

describe("output paths are checked before the work", () => {
  it("generate -o DIR and tiny-model -o FILE exit 2 naming the path and what was expected", async () => {
    const dir = tmp();
    const data = join(dir, "rows.jsonl");
    writeFileSync(data, '{"prompt": "hi"}\n');
    const model = join(dir, "model");
    expect((await runInProcess(["tiny-model", "-o", model])).code).toBe(EXIT.ok);
    const outDir = join(dir, "out");
    mkdirSync(outDir);
    const gen = await runInProcess(["generate", "--model", model, "--data", data, "-o", outDir]);
    expect(gen.code).toBe(EXIT.usage);
    expect(gen.stderr).toBe(`iopo: ${outDir}: is a directory, expected a file path to write\n`);
    const tiny = await runInProcess(["tiny-model", "-o", data]);
    expect(tiny.code).toBe(EXIT.usage);
    expect(tiny.stderr).toBe(`iopo: ${data}: is a file, expected a folder\n`);
  });
});

describe("saveCheckpoint", () => {
  it("a save that fails midway removes its temporary folder (the previous checkpoints are untouched)", () => {
    const dir = tmp();
    mkdirSync(join(dir, "checkpoint-1"));
    const state = { global_step: 2 } as TrainerState;
    const optimizer = { state: new Map() } as unknown as AdamW;
    expect(() =>
      saveCheckpoint(dir, state, optimizer, new Map(), () => {
        throw new Error("disk full");
      }),
    ).toThrow("disk full");
    expect(readdirSync(dir)).toEqual(["checkpoint-1"]);
  });
});
