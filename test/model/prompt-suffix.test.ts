import { describe, expect, it } from "vitest";
import { encodeTrainingExample } from "../../src/model/chat-encoding.js";
import { ChatTemplate } from "../../src/model/chat-template.js";
import { loadModelFolder } from "../../src/model/model-folder.js";
import { promptSuffixLength, promptSuffixText } from "../../src/model/prompt-suffix.js";
import type { TemplateStyle } from "../../src/model/tiny-model.js";
import { tinyModelDir } from "../helpers/tiny-model.js";

const conversation = [
  { role: "user", content: "Name a colour." },
  { role: "assistant", content: "Blue." },
  { role: "user", content: "Write three words about the sea." },
];

/** What each template style writes after the last message's content for the generation prompt (its source). */
const EXPECTED: Record<TemplateStyle, string> = {
  chatml: "<|im_end|>\n<|im_start|>assistant\n",
  qwen2: "<|im_end|>\n<|im_start|>assistant\n",
  llama3: "<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n",
};

describe("prompt template suffix (derived by rendering)", () => {
  for (const style of ["chatml", "qwen2", "llama3"] as const) {
    it(`${style}: the suffix text and exactly its tokens at the end of the prompt`, () => {
      const m = loadModelFolder(tinyModelDir({ template: style, modelType: "llama" }), { loadWeights: false });
      const prompt = m.chatTemplate!.render(conversation, true);
      expect(promptSuffixText(m.chatTemplate!, conversation, prompt)).toBe(EXPECTED[style]);
      const ids = m.tokenizer.encode(prompt);
      const n = promptSuffixLength(m, conversation, prompt, ids);
      expect(m.tokenizer.decode(ids.slice(ids.length - n))).toBe(EXPECTED[style]);
      expect(m.tokenizer.decode(ids.slice(0, ids.length - n))).toBe(prompt.slice(0, -EXPECTED[style].length));
    });
  }
  it("a template that trims content (Llama-3) still gives the suffix when the content ends in spaces", () => {
    const m = loadModelFolder(tinyModelDir({ template: "llama3", modelType: "llama" }), { loadWeights: false });
    const conv = [{ role: "user", content: "Hello there   " }];
    const prompt = m.chatTemplate!.render(conv, true);
    expect(promptSuffixText(m.chatTemplate!, conv, prompt)).toBe(EXPECTED.llama3);
  });
  it("plain-text template (no special token at the boundary): the suffix tokens cover all of the suffix text", () => {
    const m = loadModelFolder(tinyModelDir({ template: "chatml" }), { loadWeights: false });
    const tpl = new ChatTemplate(
      "{% for m in messages %}{{ m.role }}: {{ m.content }}\n{% endfor %}{% if add_generation_prompt %}assistant:{% endif %}",
      "test",
      {},
    );
    const codec = { tokenizer: m.tokenizer, chatTemplate: tpl };
    const prompt = tpl.render(conversation, true);
    expect(promptSuffixText(tpl, conversation, prompt)).toBe("\nassistant:");
    const ids = m.tokenizer.encode(prompt);
    const n = promptSuffixLength(codec, conversation, prompt, ids);
    expect(n).toBeGreaterThan(0);
    expect(m.tokenizer.decode(ids.slice(ids.length - n)).endsWith("\nassistant:")).toBe(true);
    expect(m.tokenizer.decode(ids.slice(0, ids.length - n))).toBe(
      prompt.slice(0, prompt.length - m.tokenizer.decode(ids.slice(ids.length - n)).length),
    );
  });
  it("a template that does not keep the content in place yields no suffix (nothing protected, nothing wrong)", () => {
    const tpl = new ChatTemplate("{% for m in messages %}<{{ m.role }}>{% endfor %}", "test", {});
    expect(promptSuffixText(tpl, conversation, tpl.render(conversation, true))).toBe("");
  });
  it("encodeTrainingExample gives the same count lazily", () => {
    const m = loadModelFolder(tinyModelDir({ template: "qwen2" }), { loadWeights: false });
    const e = encodeTrainingExample(m, { conversation, response: "Waves, salt, wind." });
    const promptIds = e.ids.slice(0, e.responseStart);
    expect(m.tokenizer.decode(promptIds.slice(promptIds.length - e.promptSuffix()))).toBe(EXPECTED.qwen2);
  });
});
