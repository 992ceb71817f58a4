import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { readCheckpoint } from "../../src/model/checkpoint.js";
import { bf16ToFloat32, float32ToBf16 } from "../../src/model/float16.js";
import { loadModelFolder, saveModelFolder } from "../../src/model/model-folder.js";
import { randomWeights, writeTinyModel } from "../../src/model/tiny-model.js";
import { parameterNames } from "../../src/model/weights.js";

function fresh(options: Parameters<typeof writeTinyModel>[1] = {}) {
  const dir = join(mkdtempSync(join(tmpdir(), "iopo-mf-")), "m");
  const written = writeTinyModel(dir, options);
  return { dir, ...written };
}

describe("model folders", () => {
  it("loads config, weights, tokenizer, template, EOS ids from a tiny folder", () => {
    const { dir, config, weights } = fresh({ modelType: "llama", tieWordEmbeddings: false });
    const m = loadModelFolder(dir);
    expect(m.config).toEqual(config);
    expect([...m.checkpoint!.weights.keys()]).toEqual(parameterNames(config));
    for (const [n, t] of weights) expect(m.checkpoint!.weights.get(n)!.data).toEqual(t.data);
    expect(m.tokenizer.decode(m.tokenizer.encode("Hello world!"))).toBe("Hello world!");
    expect(m.tokenizer.size).toBeLessThanOrEqual(config.vocab_size);
    const imEnd = m.tokenizer.tokenId("<|im_end|>")!;
    const eot = m.tokenizer.tokenId("<|endoftext|>")!;
    expect(m.eosTokenIds.sort()).toEqual([imEnd, eot].sort());
    expect(m.chatTemplate!.render([{ role: "user", content: "x" }], true)).toBe(
      "<|im_start|>user\nx<|im_end|>\n<|im_start|>assistant\n",
    );
  });

  it("chat_template.jinja wins over tokenizer_config.json; named template lists use 'default'", () => {
    const { dir } = fresh();
    writeFileSync(join(dir, "chat_template.jinja"), "{{ bos_token }}{{ eos_token ~ messages[0].content }}");
    expect(loadModelFolder(dir, { loadWeights: false }).chatTemplate!.render([{ role: "u", content: "c" }], true)).toBe(
      "<|im_end|>c",
    );
    rmSync(join(dir, "chat_template.jinja"));
    const cfgPath = join(dir, "tokenizer_config.json");
    const cfg = JSON.parse(readFileSync(cfgPath, "utf8"));
    cfg.chat_template = [
      { name: "tool_use", template: "tools" },
      { name: "default", template: "default:{{ messages[0].content }}" },
    ];
    writeFileSync(cfgPath, JSON.stringify(cfg));
    expect(loadModelFolder(dir, { loadWeights: false }).chatTemplate!.render([{ role: "u", content: "c" }], true)).toBe(
      "default:c",
    );
    cfg.chat_template = [{ name: "tool_use", template: "tools" }];
    writeFileSync(cfgPath, JSON.stringify(cfg));
    expect(() => loadModelFolder(dir, { loadWeights: false })).toThrow(/no template named "default"/);
  });

  it("missing or inconsistent files give DataErrors naming them", () => {
    const { dir } = fresh();
    rmSync(join(dir, "tokenizer.json"));
    expect(() => loadModelFolder(dir)).toThrow(/tokenizer\.json: missing from the model folder/);
    const b = fresh();
    const cfg = JSON.parse(readFileSync(join(b.dir, "config.json"), "utf8"));
    cfg.hidden_size = 64;
    cfg.head_dim = 16;
    writeFileSync(join(b.dir, "config.json"), JSON.stringify(cfg));
    expect(() => loadModelFolder(b.dir)).toThrow(/model\.embed_tokens\.weight.*does not match config\.json/);
    expect(() => loadModelFolder("/nonexistent/model")).toThrow(/model folder not found/);
    writeFileSync(join(b.dir, "config.json"), "{oops");
    expect(() => loadModelFolder(b.dir)).toThrow(/config\.json: not valid JSON/);
  });

  it("saves a folder that keeps config, tokenizer files, tensor names and bf16 dtype", () => {
    const { dir, config } = fresh({ dtype: "BF16", template: "llama3", modelType: "llama", templateFile: true });
    const m = loadModelFolder(dir);
    expect([...m.checkpoint!.dtypes.values()].every((d) => d === "BF16")).toBe(true);
    const out = join(mkdtempSync(join(tmpdir(), "iopo-save-")), "out");
    const trained = randomWeights(config, 5);
    saveModelFolder(m, out, trained, { maxShardBytes: 20_000 });
    expect(readFileSync(join(out, "config.json"), "utf8")).toBe(`${JSON.stringify(config.raw, null, 2)}\n`);
    for (const f of ["tokenizer.json", "tokenizer_config.json", "chat_template.jinja", "generation_config.json"]) {
      expect(readFileSync(join(out, f))).toEqual(readFileSync(join(dir, f)));
    }
    expect(existsSync(join(out, "model.safetensors.index.json"))).toBe(true);
    const back = readCheckpoint(out);
    expect([...back.weights.keys()].sort()).toEqual(parameterNames(config).sort());
    for (const [n, t] of trained) {
      expect(back.dtypes.get(n)).toBe("BF16");
      expect(back.weights.get(n)!.shape).toEqual(t.shape);
      expect(back.weights.get(n)!.data).toEqual(t.data.map((x) => bf16ToFloat32(float32ToBf16(x))));
    }
    const reloaded = loadModelFolder(out);
    expect(reloaded.chatTemplate!.source).toBe(m.chatTemplate!.source);
  });
});
