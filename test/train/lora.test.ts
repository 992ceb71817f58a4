import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { readSafetensors } from "../../src/model/safetensors.js";
import { initLora, loraAName, loraBName, loraTargets, mergeLora, saveLoraAdapter } from "../../src/train/lora.js";
import { readF32Tensors } from "../../src/train/tensor-file.js";

const shapes = new Map<string, number[]>([
  ["model.embed_tokens.weight", [10, 4]],
  ["model.layers.0.self_attn.q_proj.weight", [4, 4]],
  ["model.layers.0.self_attn.q_proj.bias", [4]],
  ["model.layers.0.self_attn.v_proj.weight", [2, 4]],
  ["model.layers.0.mlp.down_proj.weight", [4, 6]],
  ["model.layers.0.mlp.up_proj.weight", [6, 4]],
  ["lm_head.weight", [10, 4]],
]);

describe("LoRA", () => {
  it("resolves lora_target all / comma lists to decoder linear weights only", () => {
    expect(loraTargets(shapes, "all")).toEqual([
      "model.layers.0.mlp.down_proj.weight",
      "model.layers.0.mlp.up_proj.weight",
      "model.layers.0.self_attn.q_proj.weight",
      "model.layers.0.self_attn.v_proj.weight",
    ]);
    expect(loraTargets(shapes, "q_proj, v_proj")).toHaveLength(2);
    expect(() => loraTargets(shapes, "qproj")).toThrow(/matches no linear layer/);
  });
  it("initialises A ~ U(-1/sqrt(in), 1/sqrt(in)) and B = 0, so the merged model equals the base", () => {
    const spec = { rank: 2, alpha: 4, targets: loraTargets(shapes, "all") };
    const lora = initLora(shapes, spec, 1);
    const a = lora.get(loraAName("model.layers.0.mlp.down_proj.weight"))!;
    expect(a.shape).toEqual([2, 6]);
    expect(Math.max(...a.data.map(Math.abs))).toBeLessThanOrEqual(1 / Math.sqrt(6));
    expect(lora.get(loraBName("model.layers.0.mlp.down_proj.weight"))!.shape).toEqual([4, 2]);
    const base = new Map(
      [...shapes].map(([k, s]) => [
        k,
        { shape: s, data: Float32Array.from({ length: s.reduce((x, y) => x * y, 1) }, (_, i) => i) },
      ]),
    );
    const merged = mergeLora(base, lora, spec);
    for (const [k, t] of base) expect([...merged.get(k)!.data]).toEqual([...t.data]);
  });
  it("merge adds (alpha/r) B @ A (hand-computed)", () => {
    const t = "model.layers.0.self_attn.v_proj.weight"; // [2, 4]
    const spec = { rank: 1, alpha: 2, targets: [t] };
    const lora = new Map([
      [loraAName(t), { shape: [1, 4], data: Float32Array.from([1, 2, 3, 4]) }],
      [loraBName(t), { shape: [2, 1], data: Float32Array.from([0.5, -1]) }],
    ]);
    const base = new Map([[t, { shape: [2, 4], data: new Float32Array(8).fill(1) }]]);
    // scale 2: row 0 += 2*0.5*[1,2,3,4], row 1 += 2*(-1)*[1,2,3,4]
    expect([...mergeLora(base, lora, spec).get(t)!.data]).toEqual([2, 3, 4, 5, -1, -3, -5, -7]);
  });
  it("saves a PEFT adapter folder", () => {
    const dir = mkdtempSync(join(tmpdir(), "iopo-lora-"));
    const spec = { rank: 2, alpha: 16, targets: loraTargets(shapes, "q_proj,v_proj") };
    saveLoraAdapter(dir, initLora(shapes, spec, 3), spec, { baseModel: "base", dropout: 0 });
    const cfg = JSON.parse(readFileSync(join(dir, "adapter_config.json"), "utf8"));
    expect(cfg).toMatchObject({ peft_type: "LORA", r: 2, lora_alpha: 16, target_modules: ["q_proj", "v_proj"] });
    const tensors = readF32Tensors(join(dir, "adapter_model.safetensors"));
    expect([...tensors.keys()].sort()).toEqual([
      "base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight",
      "base_model.model.model.layers.0.self_attn.q_proj.lora_B.weight",
      "base_model.model.model.layers.0.self_attn.v_proj.lora_A.weight",
      "base_model.model.model.layers.0.self_attn.v_proj.lora_B.weight",
    ]);
    // the reader transformers / PEFT use sees a PyTorch-format file
    expect(readSafetensors(join(dir, "adapter_model.safetensors")).metadata).toEqual({ format: "pt" });
  });
});
