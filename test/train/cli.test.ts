import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { bundledDataPath } from "../../src/util/paths.js";
import { runInProcess } from "../helpers/main-in-process.js";
import { tinyModelDir } from "../helpers/tiny-model.js";

const repo = join(import.meta.dirname, "..", "..");
const OFFICIAL = bundledDataPath("trace", "iopo_example.json");
const dir = mkdtempSync(join(tmpdir(), "iopo-cli-"));

/** Run the real CLI (src/cli/main.ts through tsx) in a child process. */
function iopo(...args: string[]) {
  const script = `import { main } from ${JSON.stringify(join(repo, "src", "cli", "main.ts"))}; await main(["node", "iopo", ...${JSON.stringify(args)}]);`;
  const r = spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {
    cwd: repo,
    encoding: "utf8",
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe("iopo export llamafactory", () => {
  it("writes the official IOPO stage's input, dataset_info entry and paper config (checked against trace.json)", () => {
    const out = join(dir, "lf");
    const r = iopo("export", "llamafactory", "--data", OFFICIAL, "--output-dir", out, "--dpo", "--model", "my/model");
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    const official = JSON.parse(readFileSync(OFFICIAL, "utf8"));
    const rows = JSON.parse(readFileSync(join(out, "trace_iopo.json"), "utf8"));
    expect(rows).toEqual(official);
    expect(rows[0].conversations[0].value).toBe(official[0].conversations[0].value);
    expect(rows[0].conversations[1].value).toBe(official[0].conversations[1].value);
    expect(rows[0].chosen).toEqual(official[0].chosen);
    expect(rows[0].rejected).toEqual(official[0].rejected);
    const info = JSON.parse(readFileSync(join(out, "dataset_info.json"), "utf8"));
    expect(info.trace_iopo).toEqual({
      file_name: "trace_iopo.json",
      ranking: true,
      formatting: "sharegpt",
      columns: { messages: "conversations", chosen: "chosen", rejected: "rejected" },
    });
    const cfg = parse(readFileSync(join(out, "trace_iopo_iopo.yaml"), "utf8"));
    expect(cfg).toMatchObject({
      model_name_or_path: "my/model",
      stage: "iopo",
      finetuning_type: "lora",
      lora_target: "all",
      pref_beta: 0.1,
      learning_rate: 5e-6,
      num_train_epochs: 3,
      lr_scheduler_type: "cosine",
      warmup_ratio: 0.1,
      cutoff_len: 6000,
      per_device_train_batch_size: 1,
      gradient_accumulation_steps: 8,
      val_size: 0.1,
      template: "qwen",
      dataset: "trace_iopo",
    });
    // DPO stage: the group's two DPO* pairs, x1: y1 > y2 and x2: y2 > y1
    const dpo = JSON.parse(readFileSync(join(out, "trace_iopo_dpo.json"), "utf8"));
    expect(dpo).toEqual([
      { conversations: [official[0].conversations[0]], chosen: official[0].chosen, rejected: official[0].rejected },
      { conversations: [official[0].conversations[1]], chosen: official[0].rejected, rejected: official[0].chosen },
    ]);
    expect(parse(readFileSync(join(out, "trace_iopo_dpo.yaml"), "utf8")).stage).toBe("dpo");
    expect(info.trace_iopo_dpo.ranking).toBe(true);
  });
  it("export trl and convert write the DPO* pairs; convert to sft writes SFT*", () => {
    const trl = join(dir, "trl.jsonl");
    expect(iopo("export", "trl", "--data", OFFICIAL, "--output", trl, "--style", "standard").code).toBe(0);
    const rows = readFileSync(trl, "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(rows).toHaveLength(2);
    expect(Object.keys(rows[0])).toEqual(["prompt", "chosen", "rejected"]);
    const sft = join(dir, "sft.jsonl");
    const r = iopo("convert", "--input", OFFICIAL, "--to", "sft", "--output", sft);
    expect(r.code).toBe(0);
    expect(r.out).toContain("1 group rows (sharegpt) -> 2 sft rows");
  });
  it("bad input is one clear line and a non-zero exit", () => {
    const bad = join(dir, "bad.jsonl");
    writeFileSync(bad, '{"question":"q"}\n');
    const r = iopo("convert", "--input", bad, "--to", "trl", "--output", join(dir, "x.jsonl"));
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/bad\.jsonl:1: cannot detect the dataset format/);
  });
});

/** `iopo <args>` in this process (faster than a child process; the same exit codes and output). */
async function inProcess(...args: string[]) {
  const r = await runInProcess(args);
  return { code: r.code, out: r.stdout, err: r.stderr };
}

describe("iopo train (CLI parsing and validation)", () => {
  it("--dry-run validates config + dataset + model folder and prints the plan and the token lengths", async () => {
    const model = tinyModelDir();
    const cfg = join(dir, "t.yaml");
    writeFileSync(cfg, `model_name_or_path: ${model}\ndataset: ${OFFICIAL}\noutput_dir: ${join(dir, "run")}\n`);
    const r = await inProcess(
      "train",
      "-c",
      cfg,
      "--method",
      "iopo",
      "--dry-run",
      "--val_size",
      "0",
      "--max_steps",
      "5",
    );
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    expect(r.out).toContain("iopo: 1 training + 0 validation group examples");
    expect(r.out).toContain("5 optimizer steps");
    // The tiny model has 512 positions; the official example's sequences are longer under its character tokenizer
    // (max_length defaults to the paper's 6000).
    expect(r.out).toContain(`model ${model}: max_position_embeddings 512; max_length 6000`);
    expect(r.out).toMatch(/token lengths of 1 examples \(4 sequences, .*\): min (\d+), median \1, .* max \1/);
    expect(r.out).toMatch(/1 longer than max_position_embeddings 512/);
    expect(r.out).toMatch(/warning: max_length 6000 is larger than the model's max_position_embeddings 512: 1 example/);
    const d = await inProcess(
      "train",
      "-c",
      cfg,
      "--method",
      "dpo",
      "--dry-run",
      "--val_size",
      "0",
      "--max_length",
      "64",
    );
    expect(d.out).toContain("2 training + 0 validation pair examples");
    expect(d.out).toMatch(/2 example\(s\) longer than max_length 64 \(truncated in training: /);
    expect(d.out).not.toContain("warning:");
  });
  it("--dry-run fails with a clear message when the model folder is missing or invalid", async () => {
    const cfg = join(dir, "t-missing.yaml");
    const missing = join(dir, "no-such-model");
    writeFileSync(cfg, `model_name_or_path: ${missing}\ndataset: ${OFFICIAL}\noutput_dir: ${join(dir, "run")}\n`);
    const r = await inProcess("train", "-c", cfg, "--method", "iopo", "--dry-run");
    expect(r.code).toBe(2);
    expect(r.err).toBe(`iopo: ${missing}: model folder not found (a local directory is required)\n`);
    mkdirSync(missing);
    const empty = await inProcess("train", "-c", cfg, "--method", "iopo", "--dry-run");
    expect(empty.code).toBe(2);
    expect(empty.err).toContain(`${join(missing, "config.json")}: missing from the model folder`);
  });
  it("unknown keys fail with a suggestion", () => {
    const cfg = join(dir, "t2.yaml");
    writeFileSync(cfg, `model_name_or_path: m\nmethod: dpo\ndataset: ${OFFICIAL}\noutput_dir: o\nlerning_rate: 1\n`);
    const r = iopo("train", "-c", cfg, "--dry-run");
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/t2\.yaml:5: field "lerning_rate": unknown key \(did you mean "learning_rate"\?\)/);
  });
});
