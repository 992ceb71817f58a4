import { copyFileSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { readCheckpoint } from "../../src/model/checkpoint.js";
import { loadModelFolder } from "../../src/model/model-folder.js";
import { writeSafetensors } from "../../src/model/safetensors.js";
import { writeTinyModel } from "../../src/model/tiny-model.js";

/** PEFT adapter folders load as base + merged adapter (what merge_and_unload gives), checked by hand. */
const root = mkdtempSync(join(tmpdir(), "iopo-peft-"));
const baseDir = join(root, "base");
writeTinyModel(baseDir, { hiddenSize: 16, numLayers: 1, seed: 5 });
const base = readCheckpoint(baseDir).weights;
const Q = "model.layers.0.self_attn.q_proj";

function writeAdapter(dir: string, config: Record<string, unknown>, tensors: Record<string, [number[], number[]]>) {
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, "adapter_config.json"),
    JSON.stringify({ peft_type: "LORA", base_model_name_or_path: baseDir, r: 2, lora_alpha: 4, ...config }),
  );
  writeSafetensors(
    join(dir, "adapter_model.safetensors"),
    Object.entries(tensors).map(([name, [shape, data]]) => ({
      name: `base_model.model.${name}`,
      dtype: "F32" as const,
      shape,
      data: Float32Array.from(data),
    })),
  );
}

// q_proj is [16, 16]; A [2, 16] with A[0][3] = 1, A[1][5] = 2; B [16, 2] with B[7][0] = 0.5, B[9][1] = -1
const a = Array.from({ length: 32 }, (_, i) => (i === 3 ? 1 : i === 16 + 5 ? 2 : 0));
const b = Array.from({ length: 32 }, (_, i) => (i === 7 * 2 ? 0.5 : i === 9 * 2 + 1 ? -1 : 0));
const factors = {
  [`${Q}.lora_A.weight`]: [[2, 16], a],
  [`${Q}.lora_B.weight`]: [[16, 2], b],
} as Record<string, [number[], number[]]>;

describe("PEFT adapter folders", () => {
  it("merge W + (alpha / r) B A, by hand: only the two touched entries move", () => {
    const dir = join(root, "plain");
    writeAdapter(dir, {}, factors);
    const w = loadModelFolder(dir).checkpoint!.weights.get(`${Q}.weight`)!.data;
    const w0 = base.get(`${Q}.weight`)!.data;
    const scale = 4 / 2;
    const expected = Float32Array.from(w0);
    expected[7 * 16 + 3] += scale * 0.5 * 1; // B[7][0] A[0][3]
    expected[9 * 16 + 5] += scale * -1 * 2; // B[9][1] A[1][5]
    expect([...w]).toEqual([...expected]);
    expect(loadModelFolder(dir).checkpoint!.weights.get("model.norm.weight")).toEqual(base.get("model.norm.weight"));
  });
  it("rsLoRA scales by alpha / sqrt(r); relative base paths resolve; tokenizer from the base when absent", () => {
    const dir = join(root, "rs");
    writeAdapter(dir, { use_rslora: true, base_model_name_or_path: relative(join(root, "rs"), baseDir) }, factors);
    const folder = loadModelFolder(dir);
    const w = folder.checkpoint!.weights.get(`${Q}.weight`)!.data;
    const w0 = base.get(`${Q}.weight`)!.data;
    expect(w[7 * 16 + 3]).toBeCloseTo(w0[7 * 16 + 3] + (4 / Math.sqrt(2)) * 0.5, 6);
    expect(folder.dir).toBe(baseDir); // tokenizer files come from there
    expect(folder.chatTemplate).toBeDefined();
  });
  it("the adapter folder's own tokenizer files win when present", () => {
    const dir = join(root, "own");
    writeAdapter(dir, {}, factors);
    for (const f of ["tokenizer.json", "tokenizer_config.json"]) copyFileSync(join(baseDir, f), join(dir, f));
    expect(loadModelFolder(dir).dir).toBe(dir);
  });
  it("clear errors: missing base, unsupported variants, factors that do not fit", () => {
    const missing = join(root, "missing");
    writeAdapter(missing, { base_model_name_or_path: "Qwen/Qwen2.5-0.5B" }, factors);
    expect(() => loadModelFolder(missing)).toThrow(/base_model_name_or_path.*not found/);
    const dora = join(root, "dora");
    writeAdapter(dora, { use_dora: true }, factors);
    expect(() => loadModelFolder(dora)).toThrow(/use_dora.*not supported/);
    const bad = join(root, "bad");
    writeAdapter(bad, {}, { ...factors, [`${Q}.lora_B.weight`]: [[8, 2], b.slice(0, 16)] });
    expect(() => loadModelFolder(bad)).toThrow(/do not fit/);
  });
});
