import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { encodeExample } from "../../src/model/chat-encoding.js";
import { loadModelFolder } from "../../src/model/model-folder.js";
import { ModelTokenizer } from "../../src/model/tokenizer.js";
import { generateInstruction } from "../../src/world/generator.js";
import { renderUserMessage } from "../../src/world/instruction.js";
import { worldLexicon } from "../../src/world/lexicon.js";
import { writeWorldModel } from "../../src/world/model.js";
import { respond, respondViolating } from "../../src/world/responder.js";
import { buildWorldTokenizer, WORLD_SPECIAL_TOKENS } from "../../src/world/tokenizer.js";

describe("the world's word-level tokenizer", () => {
  const t = buildWorldTokenizer();
  const tok = ModelTokenizer.fromJson(t.json, { unk_token: "<unk>", eos_token: "<|im_end|>" });

  it("decodes what it encodes, exactly, on instructions, answers and wrong answers, with no unknown token", () => {
    const unk = tok.tokenId("<unk>");
    for (let i = 0; i < 200; i++) {
      const ins = generateInstruction(`tok-${i}`, 1 + (i % 8));
      const texts = [renderUserMessage(ins), respond(ins, `r${i}`).text];
      for (let k = 0; k < ins.constraints.length; k++) texts.push(respondViolating(ins, k, `v${i}`)?.text ?? "");
      for (const text of texts) {
        const ids = tok.encode(text);
        expect(tok.decode(ids), text).toBe(text);
        expect(ids).not.toContain(unk);
      }
    }
  });

  it("spends one token per word: each lexicon word, with or without its leading space", () => {
    expect(tok.pieces(tok.encode("Name a few fruits.\n1. List exactly 3 items."))).toEqual([
      "Name",
      " a",
      " few",
      " fruits",
      ".",
      "\n",
      "1",
      ".",
      " List",
      " exactly",
      " 3",
      " items",
      ".",
    ]);
    const words = new Set([...worldLexicon(), "system", "user", "assistant"]); // "assistant" is a lexicon word too
    expect(t.size).toBe(2 * words.size + 2 + WORLD_SPECIAL_TOKENS.length);
  });

  it("maps text outside the world to <unk> instead of failing", () => {
    expect(tok.pieces(tok.encode("Ünïcode"))).toContain("<unk>");
  });
});

describe("the world model folder", () => {
  it("is a Qwen2 Hugging Face folder whose ChatML template and EOS the engine reads", () => {
    const dir = mkdtempSync(join(tmpdir(), "iopo-world-model-"));
    const { parameters } = writeWorldModel(dir, { hidden_size: 32, intermediate_size: 64, num_hidden_layers: 1 });
    const f = loadModelFolder(dir);
    expect(f.config.model_type).toBe("qwen2");
    expect(f.config.vocab_size % 64).toBe(0);
    expect(f.config.vocab_size).toBeGreaterThanOrEqual(f.tokenizer.size);
    expect(parameters).toBe([...f.checkpoint!.weights.values()].reduce((a, w) => a + w.data.length, 0));
    expect(f.eosTokenIds).toContain(f.tokenizer.tokenId("<|im_end|>"));
    const e = encodeExample(
      { tokenizer: f.tokenizer, chatTemplate: f.chatTemplate! },
      { conversation: [{ role: "user", content: "Name a few fruits." }], response: "apple" },
    );
    expect(f.tokenizer.decode(e.ids)).toBe(
      "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\nName a few fruits.<|im_end|>\n" +
        "<|im_start|>assistant\napple<|im_end|>\n",
    );
  });
});
