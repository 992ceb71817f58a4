import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { buildDemoFolder } from "../helpers/demo-folder.js";
import { iopoIn } from "../helpers/in-process-cli.js";

const EXAMPLES = join(import.meta.dirname, "..", "..", "examples");
const lines = (p: string) =>
  readFileSync(p, "utf8")
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l));
const json = (p: string) => JSON.parse(readFileSync(p, "utf8"));

/**
 * The paper's loop through the command line alone, each command reading what the previous one wrote, no glue:
 * demo-shaped data -> SFT on trace.jsonl -> DPO and IOPO from the SFT checkpoint -> generate -> eval ifeval and
 * eval trace (offline world judge) on the generated rows -> export llamafactory. Tiny model, 2 steps, few rows.
 */
describe("the paper's loop through the CLI", async () => {
  const { root, demo } = await buildDemoFolder({ evalRecords: 6, ifevalPrompts: 3 });
  const run = (...args: string[]) => iopoIn(root, args);
  const at = (...p: string[]) => join(demo, ...p);

  it("SFT -> DPO and IOPO -> generate -> eval ifeval / eval trace -> export llamafactory", async () => {
    // 1. SFT on the TRACE records of trace build (examples/train-sft.yaml writes runs/demo/models/sft).
    const sft = await run("train", "-c", join(EXAMPLES, "train-sft.yaml"), "--max_steps", "2");
    expect(sft.stdout).toMatch(
      /^sft: \d+ training \+ \d+ validation sft examples \(runs\/demo\/data\/trace\/trace\.jsonl, trace\)/,
    );
    expect(existsSync(at("models", "sft", "config.json"))).toBe(true);

    // 2. DPO and IOPO from that SFT checkpoint (their examples read runs/demo/models/sft).
    for (const method of ["dpo", "iopo"]) {
      const r = await run("train", "-c", join(EXAMPLES, `train-${method}.yaml`), "--max_steps", "2");
      expect(r.stdout).toContain("finished 2/2 steps");
      const adapter = json(at("models", method, "adapter_config.json"));
      expect(adapter.base_model_name_or_path).toBe(resolve(at("models", "sft")));
    }

    // 3. generate with each trained model on the held-out records, and with IOPO on IFEval prompts.
    for (const method of ["dpo", "iopo"]) {
      // biome-ignore format: one flag per pair
      await run("generate", "--model-dir", at("models", method), "--input", at("data", "eval", "eval.jsonl"),
        "-o", at("gen", `${method}-eval.jsonl`), "--max-tokens", "12");
    }
    // biome-ignore format: one flag per pair
    await run("generate", "--model-dir", at("models", "iopo"), "--input", at("data", "ifeval", "prompts.jsonl"),
      "-o", at("gen", "iopo-ifeval.jsonl"), "--max-tokens", "12");
    const generated = lines(at("gen", "iopo-eval.jsonl"));
    expect(generated).toHaveLength(6);
    expect(Object.keys(generated[0])).toEqual(expect.arrayContaining(["id", "messages", "response", "token_ids"]));

    // 4. eval ifeval reads generate's rows as they are (matched by prompt/key; --ids on the bundled data).
    const ifevalRows = lines(at("gen", "iopo-ifeval.jsonl"));
    const keys = ifevalRows.map((r) => r.key).join(",");
    const ifeval = await run(
      "eval",
      "ifeval",
      "--responses",
      at("gen", "iopo-ifeval.jsonl"),
      "--ids",
      keys,
      "--output-dir",
      at("eval", "ifeval-iopo"),
    );
    expect(ifeval.stderr).not.toMatch(/no response|match no prompt/);
    const im = json(at("eval", "ifeval-iopo", "metrics.json"));
    expect(im.num_responses).toBe(3);
    expect(im.prompt_level_strict_acc).toBeGreaterThanOrEqual(0);

    // 5. eval trace with the offline world judge on the same rows, for both models.
    for (const method of ["dpo", "iopo"]) {
      // biome-ignore format: one flag per pair
      const t = await run("eval", "trace", "--data", at("data", "eval", "eval.jsonl"), "--responses",
        at("gen", `${method}-eval.jsonl`), "--judge", "world", "--output-dir", at("eval", `trace-${method}`),
        "--progress", "none");
      expect(t.stdout).toContain("judge world (offline)");
      const m = json(at("eval", `trace-${method}`, "metrics.json"));
      expect(m.IF.n).toBe(6);
      expect(m.IF_S.IF.n).toBeGreaterThan(0);
      expect(m.IF_M.IF.n).toBeGreaterThan(0);
      expect(m.provenance.judge).toBe("world");
      const results = lines(at("eval", `trace-${method}`, "results.jsonl"));
      expect(results.map((r) => r.response)).toEqual(lines(at("gen", `${method}-eval.jsonl`)).map((r) => r.response));
    }

    // 6. export the IOPO groups for the official fork, from the SFT model.
    // biome-ignore format: one flag per pair
    const ex = await run("export", "llamafactory", "--input", at("data", "iopo", "iopo_groups.jsonl"),
      "--output-dir", at("export"), "--model-name-or-path", at("models", "sft"), "--dpo");
    expect(ex.stdout).toMatch(/^wrote \d+ IOPO rows, \d+ DPO rows/);
    for (const f of [
      "trace_iopo.json",
      "trace_iopo_iopo.yaml",
      "iopo-fork.patch",
      "trace_iopo_dpo.json",
      "dataset_info.json",
    ])
      expect(existsSync(at("export", f)), f).toBe(true);
    expect(readFileSync(at("export", "trace_iopo_iopo.yaml"), "utf8")).toContain(
      `model_name_or_path: ${at("models", "sft")}`,
    );
    expect(json(at("export", "trace_iopo.json"))).toHaveLength(lines(at("data", "iopo", "iopo_groups.jsonl")).length);
  });
});
