import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const root = join(import.meta.dirname, "..", "..");

/** Run the real CLI in a child process (tsx loader), as a user would. */
function iopo(args: string[]) {
  const script = `import(${JSON.stringify(join(root, "src/cli/main.ts"))}).then((m) => m.main(process.argv))`;
  const r = spawnSync(process.execPath, ["--import", "tsx", "-e", script, "iopo", ...args], {
    cwd: root,
    encoding: "utf8",
    env: { ...process.env, IOPO_CACHE_DIR: mkdtempSync(join(tmpdir(), "iopo-cache-")) },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe("model commands as a process", () => {
  const work = mkdtempSync(join(tmpdir(), "iopo-proc-"));
  const model = join(work, "tiny");
  const data = join(work, "data.jsonl");

  it("tiny-model, inspect, logprobs --reference, generate with kebab-case flags, and errors exit non-zero", () => {
    const made = iopo(["tiny-model", "--output", model, "--model_type", "qwen2", "--seed", "4"]);
    expect(made.code, made.stderr).toBe(0);
    expect(existsSync(join(model, "model.safetensors"))).toBe(true);
    writeFileSync(data, `${JSON.stringify({ prompt: "Hello", response: "Hi there" })}\n`);
    const ins = iopo(["inspect", "--model", model, "--data", data]);
    expect(ins.code, ins.stderr).toBe(0);
    expect(ins.stdout).toContain("<|im_start|>assistant\n\u2503<<< prompt | response >>>\u2503Hi there<|im_end|>\n");
    const lp = iopo(["logprobs", "--model", model, "--data", data, "--reference"]);
    expect(lp.code, lp.stderr).toBe(0);
    const row = JSON.parse(lp.stdout.trim());
    expect(row.prompt).toBe("Hello");
    expect(row.logp_sum).toBeLessThan(0);
    expect(row.n_tokens).toBeGreaterThan(2);
    const out = join(work, "gen.jsonl");
    const gen = iopo(["generate", "--model", model, "--data", data, "--max-new-tokens", "3", "--reference", "-o", out]);
    expect(gen.code, gen.stderr).toBe(0);
    const g = JSON.parse(readFileSync(out, "utf8").trim());
    expect(g.token_ids.length).toBeLessThanOrEqual(3);
    expect(typeof g.response).toBe("string");
    const bad = iopo(["logprobs", "--model", model, "--data", join(work, "missing.jsonl"), "--reference"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/missing\.jsonl: file not found/);
    const badFlag = iopo(["generate", "--model", model, "--data", data, "--top_p", "2", "--reference"]);
    expect(badFlag.code).toBe(2);
    expect(badFlag.stderr).toMatch(/--top_p/);
  }, 60_000);
});
