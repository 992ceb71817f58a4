import { describe, expect, it } from "vitest";
import { fillTemplate } from "../../src/llm/prompt-template.js";

describe("prompt templates", () => {
  it("fill every slot once and refuse missing values", () => {
    const t = { name: "t", text: "a {{x}} b {{y}}" };
    expect(fillTemplate(t, { x: "{{y}}", y: "2" })).toBe("a {{y}} b 2");
    expect(() => fillTemplate(t, { x: "1" })).toThrow(/no value for \{\{y\}\}/);
  });
});
