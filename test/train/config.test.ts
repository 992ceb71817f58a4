import { mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { DataError } from "../../src/data/errors.js";
import { loadTrainConfig, loraAlpha, parseOverrides, suggestKey } from "../../src/train/config.js";

const dir = mkdtempSync(join(tmpdir(), "iopo-config-"));
const write = (name: string, text: string) => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};
const base = "model_name_or_path: m\nmethod: iopo\ndataset: d.jsonl\noutput_dir: out\n";
const examples = join(import.meta.dirname, "..", "..", "examples");

describe("training config", () => {
  it("every example config under examples/ validates", () => {
    // training configs; the experiment plans (*-plan.yaml) are checked in test/experiment and test/examples
    const files = readdirSync(examples).filter((f) => f.endsWith(".yaml") && !f.endsWith("-plan.yaml"));
    expect(files.length).toBeGreaterThanOrEqual(4);
    for (const f of files) expect(() => loadTrainConfig(join(examples, f))).not.toThrow();
  });
  it("the paper recipe resolves LLaMA-Factory aliases", () => {
    const cfg = loadTrainConfig(join(examples, "iopo-paper-recipe.yaml"));
    expect(cfg.method).toBe("iopo");
    expect(cfg.beta).toBe(0.1);
    expect(cfg.max_length).toBe(6000);
    expect(cfg.learning_rate).toBe(5e-6);
    expect(cfg.lr_scheduler_type).toBe("cosine");
    expect(cfg.gradient_accumulation_steps).toBe(8);
    expect(loraAlpha(cfg)).toBe(16);
  });
  it("command-line overrides win and parse as YAML scalars (snake or kebab case)", () => {
    const p = write("a.yaml", base);
    const cfg = loadTrainConfig(p, ["--learning_rate", "1e-5", "--max-grad-norm=0", "--precompute_ref_log_probs"]);
    expect(cfg.learning_rate).toBe(1e-5);
    expect(cfg.max_grad_norm).toBe(0);
    expect(cfg.precompute_ref_log_probs).toBe(true);
    expect(loadTrainConfig(p, ["--method", "dpo", "--pref_loss", "orpo"]).method).toBe("orpo");
  });
  it("unknown keys are rejected with file, line and a suggestion", () => {
    const p = write("b.yaml", `${base}learning_rat: 1e-5\n`);
    expect(() => loadTrainConfig(p)).toThrow(DataError);
    expect(() => loadTrainConfig(p)).toThrow(
      /b\.yaml:5: field "learning_rat": unknown key \(did you mean "learning_rate"\?\)/,
    );
    expect(() => loadTrainConfig(p.replace("b.yaml", "a.yaml"), ["--warmup_ration", "0.1"])).toThrow(
      /command line: field "warmup_ration": unknown key \(did you mean "warmup_ratio"\?\)/,
    );
    expect(suggestKey("zzzzzzzz")).toBeUndefined();
  });
  it("bad values name the file, line and key", () => {
    const p = write("c.yaml", `${base}learning_rate: fast\n`);
    expect(() => loadTrainConfig(p)).toThrow(/c\.yaml:5: field "learning_rate"/);
    const q = write("d.yaml", `${base}method: kto\n`.replace("method: iopo\n", ""));
    expect(() => loadTrainConfig(q)).toThrow(/d\.yaml:4: field "method"/);
    const r = write("e.yaml", `${base}loss_type: hinge\nlabel_smoothing: 0.1\n`);
    expect(() => loadTrainConfig(r)).toThrow(/e\.yaml:6: field "label_smoothing": only allowed with loss_type sigmoid/);
  });
  it("missing required keys are reported", () => {
    const p = write("f.yaml", "method: iopo\n");
    expect(() => loadTrainConfig(p)).toThrow(/field "model_name_or_path": required key is missing/);
  });
  it("an alias and its key together are an error", () => {
    const p = write("g.yaml", `${base}beta: 0.2\npref_beta: 0.1\n`);
    expect(() => loadTrainConfig(p)).toThrow(/given twice/);
  });
  it("parses bare flags as true", () => {
    expect(parseOverrides(["--a", "--b", "x"]).values).toEqual({ a: true, b: "x" });
  });
});
