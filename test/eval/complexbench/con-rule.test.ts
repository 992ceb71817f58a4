import { describe, expect, it } from "vitest";
import { decom, decomposeJudge, extractJson, rule, toZhPunct } from "../../../src/eval/complexbench/con-rule.js";

describe("ComplexBench helpers", () => {
  it("maps ASCII punctuation to full-width as upstream (only some characters change)", () => {
    expect(toZhPunct('Hi, you! (ok) a.b: "x"?')).toBe('Hi， you！ （ok） a。b： "x"？');
    expect(toZhPunct("“引号”")).toBe('"引号"');
    expect(toZhPunct("+-/<=>@[]_`{|}~")).toBe("+-/<=>@[]_`{|}~");
  });
  it("decom strips leading newlines and one pair of quotes", () => {
    expect(decom('\n\n"abc"')).toBe("abc");
    expect(decom("“标题”")).toBe("标题");
    expect(decom("`x'")).toBe("`x'");
    expect(decom("")).toBe("");
  });
  it("extractJson takes the first balanced object", () => {
    expect(extractJson('text {"a": {"b": 1}} more {"c": 2}')).toBe('{"a": {"b": 1}}');
    expect(extractJson("no json")).toBe("");
    expect(extractJson("{ unclosed")).toBe("");
  });
});

describe("whole-response rules (rule)", () => {
  it("keyword / forbidden_word, with punctuation translated on both sides", () => {
    expect(rule("我喜欢春天, 也喜欢秋天", "keyword:[春天,秋天]")).toBe(true);
    expect(rule("我喜欢春天", "keyword:[春天, 秋天]")).toBe(false);
    expect(rule("Hello, world", "keyword:[Hello,]")).toBe(true); // keyword "Hello" and "" (always contained)
    expect(rule("这里没有禁词", "forbidden_word:[坏]")).toBe(true);
    expect(rule("坏的例子", "forbidden_word:[坏]")).toBe(false);
  });
  it("texts containing None fail keyword rules and pass forbidden_word (upstream quirk)", () => {
    expect(rule("None of them", "keyword:[of]")).toBe(false);
    expect(rule("None 坏", "forbidden_word:[坏]")).toBe(true);
  });
  it("startswith / endswith tolerate a trailing 。 or ？; not endswith is the negation", () => {
    expect(rule("开头是这样的。后文", "startswith:开头")).toBe(true);
    expect(rule("这是结尾。", "endswith:这是结尾")).toBe(true);
    expect(rule("是结尾吗？", "endswith:是结尾吗")).toBe(true);
    expect(rule("结尾!", "endswith:结尾!")).toBe(true); // both sides translated: ! -> ！
    expect(rule("开头 正文 结尾", "startswith:开头\nendswith:结尾")).toBe(true);
    expect(rule("开头 正文 尾声", "startswith:开头\nendswith:结尾")).toBe(false);
    expect(rule("正文。谢谢", "not endswith:谢谢")).toBe(false);
    expect(rule("正文。再见", "not endswith:谢谢")).toBe(true);
  });
  it("length counts code points (inclusive); length_word counts whitespace tokens", () => {
    expect(rule("一二三四五", "length:[5,5]")).toBe(true);
    expect(rule("一二三四五六", "length:[1,5]")).toBe(false);
    expect(rule("😀😀", "length:[2,2]")).toBe(true); // astral characters count once, as Python len()
    expect(rule("one two  three\nfour", "length_word:[4,4]")).toBe(true);
    expect(rule("one two", "length_word:[3,10]")).toBe(false);
  });
  it("match compares the translated text with the untranslated pattern (+ 。 or .)", () => {
    expect(rule("请重新输入", "match:请重新输入")).toBe(true);
    expect(rule("请重新输入。", "match:请重新输入")).toBe(true);
    expect(rule("Sorry.", "match:Sorry")).toBe(true); // "Sorry." -> "Sorry。" == pattern + "。"
    expect(rule("a,b", "match:a,b")).toBe(false); // "a，b" != "a,b"
  });
  it("Json needs a dict with exactly the listed keys (empty list: any dict)", () => {
    expect(rule('```json\n{"名字": ["a"], "年龄": 3}\n```', 'Json:["名字", "年龄"]')).toBe(true);
    expect(rule('{"名字": 1}', 'Json:["名字", "年龄"]')).toBe(false);
    expect(rule('{"名字": 1, "x": 2}', 'Json:["名字"]')).toBe(false);
    expect(rule('{"a": 1}', "Json:[]")).toBe(true);
    expect(rule("[1, 2]", "Json:[]")).toBe(false);
  });
  it("constraint_punc allows only the listed punctuation", () => {
    expect(rule("你好。我好。", "constraint_punc:[。]")).toBe(true);
    expect(rule("你好，我好。", "constraint_punc:[。]")).toBe(false);
  });
  it("an unknown rule yields 2", () => {
    expect(rule("abc", "something_else:[1]")).toBe(2);
  });
});

describe("span rules (decomposeJudge)", () => {
  it("routes non-model rules through rule() on decom(span) or the raw span", () => {
    expect(decomposeJudge("length:[3,3]", ['"abc"'])).toBe(true);
    expect(decomposeJudge("keyword:[x]", [])).toBe(false);
    expect(decomposeJudge("forbidden_word:[x]", [])).toBe(true);
  });
  it("model_length / model_length_each / model_length_word", () => {
    expect(decomposeJudge("model_length:[1,4]", ["“五个字的啊”"])).toBe(false); // 7 with quotes, 5 without
    expect(decomposeJudge("model_length:[1,4]", ["“四个字”"])).toBe(true);
    expect(decomposeJudge("model_length_each:[2,3]", ["一二", "一二三", ""])).toBe(true);
    expect(decomposeJudge("model_length_each:[2,3]", ["一二", "一二三四"])).toBe(false);
    expect(decomposeJudge("model_length_word:[2,2]", ["two words"])).toBe(true);
    expect(decomposeJudge("model_length:[1,4]", [])).toBe(false);
  });
  it("model_keyword(_each), model_keyword_num with bounds", () => {
    expect(decomposeJudge("model_keyword:[春]", ["春天"])).toBe(true);
    expect(decomposeJudge("model_keyword_each:[春]", ["春天", "秋天"])).toBe(false);
    expect(decomposeJudge("model_keyword_num:[1,1,时不我待,知错能改,自知之明]", ["他知错能改"])).toBe(true);
    expect(decomposeJudge("model_keyword_num:[1,1,时不我待,知错能改,自知之明]", ["知错能改，有自知之明"])).toBe(false);
    expect(decomposeJudge("model_keyword_num_each:[1,2,甲,乙]", ["甲", "乙丙", "丙"])).toBe(false);
  });
  it("model_forbidden_word(_each): no span passes", () => {
    expect(decomposeJudge("model_forbidden_word_each:[福田]", [])).toBe(true);
    expect(decomposeJudge("model_forbidden_word_each:[福田]", ["深圳", "福田区"])).toBe(false);
    expect(decomposeJudge("model_forbidden_word:[福田]", ["深圳"])).toBe(true);
  });
  it("model_number_each bounds the number of spans", () => {
    expect(decomposeJudge("model_number_each:[3,3]", ["a", "b", "c"])).toBe(true);
    expect(decomposeJudge("model_number_each:[3,3]", ["a", "b"])).toBe(false);
  });
  it("starts/ends-with variants, including the each-variant that ignores the last span", () => {
    expect(decomposeJudge("model_startswith:以下为修正内容", ["以下为修正内容：星空"])).toBe(true);
    expect(decomposeJudge("model_startswith_each:场景", ["场景1 a", "场景2 b"])).toBe(true);
    expect(decomposeJudge("model_startswith_each:场景", ["场景1 a", "b"])).toBe(false);
    expect(decomposeJudge("model_starts_with_list_each:[一,二]", ["一a", "二b"])).toBe(true);
    expect(decomposeJudge("model_starts_with_list_each:[一,二]", ["一a"])).toBe(false);
    expect(decomposeJudge("model_endswith_each:！", ["好！", "好！", "不好"])).toBe(true); // last span ignored
    expect(decomposeJudge("model_endswith_each:！", ["不好", "好！"])).toBe(false);
    expect(decomposeJudge("model_endswith:完成", ["任务完成。"])).toBe(true);
    expect(decomposeJudge("model_startswith:你好\nmodel_endswith:再见", ["你好，……再见"])).toBe(true);
    expect(decomposeJudge("model_not_startswith:你好", [])).toBe(true);
    expect(decomposeJudge("model_not_endswith:吗", ["是吗？"])).toBe(false);
  });
  it("model_constraint_punc and unknown model_* rules", () => {
    expect(decomposeJudge("model_constraint_punc_each:[。]", ["一句话。", "另一句。"])).toBe(true);
    expect(decomposeJudge("model_constraint_punc_each:[。]", ["一句话，。"])).toBe(false);
    expect(decomposeJudge("model_unknown:[1]", ["x"])).toBe(2);
    expect(decomposeJudge("foo_each:[1]", ["x"])).toBe(2);
  });
  it("throws PythonCrash where upstream would raise", () => {
    expect(() => decomposeJudge("model_keyword_num:[a,b,c]", ["x"])).toThrow(/int/);
    expect(() => rule("abc", "keyword:[a]\nforbidden_word:[b]")).toThrow(/does not match/);
  });
});

/**
 * 2,500 random (rule, spans) cases whose verdicts were produced by upstream's own evaluation/con_rule.py
 * (thu-coai/ComplexBench @82f175f, MIT) under CPython 3 at development time; "crash" marks cases where upstream
 * raises. Python is not needed to run this test.
 */
describe("agreement with upstream con_rule.py on generated cases", () => {
  it("matches every verdict and every crash", async () => {
    const { readFileSync } = await import("node:fs");
    const cases = JSON.parse(readFileSync(new URL("./con-rule-reference.json", import.meta.url), "utf8")) as {
      rule: string;
      spans: string[];
      verdict?: boolean | 2;
      crash?: string;
    }[];
    expect(cases.length).toBe(2500);
    const mismatches: string[] = [];
    for (const c of cases) {
      let got: boolean | 2 | "crash";
      try {
        got = decomposeJudge(c.rule, c.spans);
      } catch {
        got = "crash";
      }
      const want = c.crash ? "crash" : c.verdict;
      if (got !== want) mismatches.push(JSON.stringify({ ...c, got }));
    }
    expect(mismatches).toEqual([]);
  });
});
