import { writeFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { encodeExample, encodePrompt, rowToExample } from "../../src/model/chat-encoding.js";
import { loadModelFolder } from "../../src/model/model-folder.js";
import { tinyModelDir } from "../helpers/tiny-model.js";

const count = (ids: ArrayLike<number>, id: number) => Array.from(ids).filter((x) => x === id).length;

describe("chat encoding (TRL prompt/completion convention)", () => {
  it("ChatML: response tokens are exactly `{response}<|im_end|>\\n`, one EOS, exact boundary", () => {
    const m = loadModelFolder(tinyModelDir({ template: "chatml" }), { loadWeights: false });
    const ex = rowToExample({ prompt: "Write a poem about the sea.", response: "The sea is blue." }, "d", 1, true);
    const enc = encodeExample(m, ex);
    expect(enc.promptText).toBe("<|im_start|>user\nWrite a poem about the sea.<|im_end|>\n<|im_start|>assistant\n");
    expect(enc.responseText).toBe("The sea is blue.<|im_end|>\n");
    expect(enc.boundaryMerged).toBe(false);
    const imEnd = m.tokenizer.tokenId("<|im_end|>")!;
    const response = enc.ids.slice(enc.responseStart);
    expect(m.tokenizer.decode(response)).toBe("The sea is blue.<|im_end|>\n");
    expect(count(response, imEnd)).toBe(1);
    expect(response[response.length - 2]).toBe(imEnd);
    expect(m.tokenizer.pieces([response[response.length - 1]])).toEqual(["Ċ"]);
    // The prompt half is exactly the generation prompt's tokens.
    expect(Array.from(enc.ids.slice(0, enc.responseStart))).toEqual(Array.from(encodePrompt(m, ex.conversation).ids));
    expect(m.tokenizer.decode(enc.ids)).toBe(enc.promptText + enc.responseText);
  });

  it("Qwen2 template with a default system prompt: the system turn is in the prompt only", () => {
    const m = loadModelFolder(tinyModelDir({ template: "qwen2" }), { loadWeights: false });
    const enc = encodeExample(m, rowToExample({ prompt: "Hello", response: "Hi" }, "d", 1, true));
    expect(enc.promptText).toBe(
      "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\nHello<|im_end|>\n<|im_start|>assistant\n",
    );
    expect(enc.responseText).toBe("Hi<|im_end|>\n");
    const imStart = m.tokenizer.tokenId("<|im_start|>")!;
    expect(count(enc.ids, imStart)).toBe(3);
    // An explicit system message replaces the default one.
    const withSystem = rowToExample(
      {
        messages: [
          { role: "system", content: "Be brief." },
          { role: "user", content: "Hello" },
          { role: "assistant", content: "Hi" },
        ],
      },
      "d",
      1,
      true,
    );
    const enc2 = encodeExample(m, withSystem);
    expect(enc2.promptText.startsWith("<|im_start|>system\nBe brief.<|im_end|>\n")).toBe(true);
    expect(enc2.promptText).not.toContain("helpful");
    expect(enc2.responseText).toBe("Hi<|im_end|>\n");
  });

  it("Llama-3 template writes BOS itself: exactly one BOS, response ends with one <|eot_id|>", () => {
    const m = loadModelFolder(tinyModelDir({ modelType: "llama", template: "llama3" }), { loadWeights: false });
    const enc = encodeExample(m, rowToExample({ prompt: "  Hello  ", response: "Hi there" }, "d", 1, true));
    const bos = m.tokenizer.tokenId("<|begin_of_text|>")!;
    const eot = m.tokenizer.tokenId("<|eot_id|>")!;
    expect(enc.ids[0]).toBe(bos);
    expect(count(enc.ids, bos)).toBe(1);
    expect(enc.responseText).toBe("Hi there<|eot_id|>");
    const response = Array.from(enc.ids.slice(enc.responseStart));
    expect(response[response.length - 1]).toBe(eot);
    expect(count(response, eot)).toBe(1);
    expect(m.eosTokenIds).toContain(eot);
  });

  it("multi-turn `messages`: the last assistant message is the response, earlier turns are prompt", () => {
    const m = loadModelFolder(tinyModelDir({ template: "chatml" }), { loadWeights: false });
    const ex = rowToExample(
      {
        messages: [
          { role: "user", content: "Hi" },
          { role: "assistant", content: "Hello" },
          { role: "user", content: "Bye" },
          { role: "assistant", content: "Goodbye" },
        ],
      },
      "d",
      1,
      true,
    );
    expect(ex.response).toBe("Goodbye");
    const enc = encodeExample(m, ex);
    expect(enc.promptText.endsWith("<|im_start|>user\nBye<|im_end|>\n<|im_start|>assistant\n")).toBe(true);
    expect(enc.promptText).toContain("Hello<|im_end|>");
    expect(enc.responseText).toBe("Goodbye<|im_end|>\n");
  });

  it("falls back to separate tokenization when BPE merges across a special-token-free boundary", () => {
    const dir = tinyModelDir({ template: "chatml", seed: 99 });
    // A template whose generation prompt ends mid-word: "Answer:" + "the..." could merge.
    writeFileSync(
      `${dir}/chat_template.jinja`,
      "{% for m in messages %}{{ m['content'] }}{% endfor %}{% if add_generation_prompt %} th{% endif %}",
    );
    const m = loadModelFolder(dir, { loadWeights: false });
    const tpl = "{% for m in messages %}{{ m['content'] }}{% endfor %}";
    expect(m.chatTemplate!.source).not.toBe(tpl);
    // Render: prompt "Hello th", full "Hello" + "the" ... is not a prefix -> clear error.
    expect(() => encodeExample(m, { conversation: [{ role: "user", content: "Hello" }], response: "the sea" })).toThrow(
      /not a prefix/,
    );
    writeFileSync(
      `${dir}/chat_template.jinja`,
      "{% for m in messages %}{% if m['role'] == 'user' %}{{ m['content'] }} {% else %}{{ m['content'] }}{% endif %}{% endfor %}",
    );
    const m2 = loadModelFolder(dir, { loadWeights: false });
    const enc = encodeExample(m2, { conversation: [{ role: "user", content: "the" }], response: "sea" });
    // Prompt "the " and full "the sea": byte-level BPE attaches the space to "sea" in the full text.
    expect(enc.promptText).toBe("the ");
    expect(enc.boundaryMerged).toBe(true);
    expect(Array.from(enc.ids.slice(0, enc.responseStart))).toEqual(m2.tokenizer.encode("the "));
    expect(Array.from(enc.ids.slice(enc.responseStart))).toEqual(m2.tokenizer.encode("sea"));
  });

  it("row errors name the file, line and field", () => {
    expect(() => rowToExample({ prompt: "x" }, "d.jsonl", 3, true)).toThrow(/d\.jsonl:3: field "response"/);
    expect(() => rowToExample({ messages: [{ role: "user", content: 1 }] }, "d.jsonl", 4, true)).toThrow(
      /d\.jsonl:4: field "messages\[0\]\.content"/,
    );
    expect(() => rowToExample({ text: "x" }, "d.jsonl", 5, false)).toThrow(/d\.jsonl:5: field "prompt"/);
    const gen = rowToExample(
      {
        messages: [
          { role: "user", content: "a" },
          { role: "assistant", content: "b" },
        ],
      },
      "d",
      1,
      false,
    );
    expect(gen.conversation).toEqual([{ role: "user", content: "a" }]);
    const trl = rowToExample(
      { prompt: [{ role: "user", content: "a" }], completion: [{ role: "assistant", content: "b" }] },
      "d",
      1,
      true,
    );
    expect(trl).toEqual({ conversation: [{ role: "user", content: "a" }], response: "b" });
  });
});
