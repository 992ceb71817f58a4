import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { cpSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { exportLlamaFactory, loadDataset } from "../../../src/data/formats/index.js";
import { IOPO_FORK_PATCH, IOPO_FORK_PATCH_FILE } from "../../../src/data/formats/iopo-fork-patch.js";
import { bundledDataPath } from "../../../src/util/paths.js";

/** The official fork's files the patch touches, byte for byte from upstream (test/fixtures/iopo-fork/LICENSE). */
const FORK = join(import.meta.dirname, "..", "..", "fixtures", "iopo-fork", "Method-IOPO");
const UPSTREAM_SHA256: Record<string, string> = {
  "src/llamafactory/data/aligner.py": "2599e3f7330202ba20dd982fe3125745ddcf0412a831675d5f7ae2712db8b491",
  "src/llamafactory/data/preprocess.py": "6e8f0b116b000094c96cc05caf65e5b6ee57b2b479037c3ab8c4d40d9a365aeb",
  "src/llamafactory/train/iopo/__init__.py": "d11650262eedaa447ecf93e73deabce9068a134be528a908af3c147346bca0cb",
};

/** A fresh copy of the fork's files with the patch written by `iopo export llamafactory` beside them. */
function checkout(): { dir: string; patch: string } {
  const dir = join(mkdtempSync(join(tmpdir(), "iopo-fork-")), "Method-IOPO");
  cpSync(FORK, dir, { recursive: true });
  const out = mkdtempSync(join(tmpdir(), "iopo-lf-"));
  exportLlamaFactory(loadDataset(bundledDataPath("trace", "iopo_example.json")).dataset, { outputDir: out });
  return { dir, patch: join(out, IOPO_FORK_PATCH_FILE) };
}

const run = (cmd: string, args: string[], cwd: string) => spawnSync(cmd, args, { cwd, encoding: "utf8" });

describe("iopo-fork.patch against the official IOPO fork's files", () => {
  it("the fixtures are the upstream files, unmodified", () => {
    for (const [file, sha] of Object.entries(UPSTREAM_SHA256))
      expect(
        createHash("sha256")
          .update(readFileSync(join(FORK, file)))
          .digest("hex"),
        file,
      ).toBe(sha);
    // The upstream bugs the patch exists for are there.
    expect(readFileSync(join(FORK, "src/llamafactory/data/preprocess.py"), "utf8")).toContain('elif stage == "cipo":');
    expect(readFileSync(join(FORK, "src/llamafactory/train/iopo/__init__.py"), "utf8")).toContain("run_cipo");
    expect(existsSync(join(FORK, "README.md"))).toBe(false);
  });

  it("export llamafactory writes it, and it applies cleanly with git apply and with patch -p1", () => {
    const { dir, patch } = checkout();
    expect(readFileSync(patch, "utf8")).toBe(IOPO_FORK_PATCH);
    const check = run("git", ["apply", "--check", "--verbose", patch], dir);
    expect(check.stderr).not.toMatch(/error|warning/i);
    expect(check.status).toBe(0);
    const dry = run("patch", ["-p1", "--dry-run", "-i", patch], dir);
    expect(dry.stdout).not.toMatch(/FAILED|fuzz|offset/i);
    expect(dry.status).toBe(0);

    expect(run("git", ["apply", patch], dir).status).toBe(0);
    const preprocess = readFileSync(join(dir, "src/llamafactory/data/preprocess.py"), "utf8");
    expect(preprocess).toContain('elif stage == "iopo":');
    expect(preprocess).not.toContain("cipo");
    expect(readFileSync(join(dir, "src/llamafactory/train/iopo/__init__.py"), "utf8")).toContain(
      'from .workflow import run_iopo\n\n\n__all__ = ["run_iopo"]',
    );
    const aligner = readFileSync(join(dir, "src/llamafactory/data/aligner.py"), "utf8");
    expect(aligner).toContain("accept_tags[(turn_idx % half) % 2]");
    expect(aligner).toContain("dataset_attr.ranking and half % 2 == 0");
    expect(existsSync(join(dir, "README.md"))).toBe(true);
    // Applied once, it does not apply again (no silent double patching).
    expect(run("git", ["apply", "--check", patch], dir).status).not.toBe(0);
  });

  it("does not apply to files that differ from the release (it is exact, not fuzzy)", () => {
    const { dir, patch } = checkout();
    const f = join(dir, "src/llamafactory/data/preprocess.py");
    writeFileSync(f, readFileSync(f, "utf8").replace('elif stage == "cipo":', 'elif stage == "other":'));
    expect(run("git", ["apply", "--check", patch], dir).status).not.toBe(0);
  });
});
