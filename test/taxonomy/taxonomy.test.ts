import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  CONSTRAINT_TYPES,
  DIMENSIONS,
  dimensionByLabel,
  dimensionByName,
  LabelResolver,
  renderTaxonomy,
  UNKNOWN_DIMENSION,
} from "../../src/taxonomy/index.js";
import { packageRoot } from "../../src/util/paths.js";

/** Hand-compiled counts of the evaluation set, with the label mapping (the oracle), see its header. */
const COUNTS = readFileSync(join(packageRoot, "test", "fixtures", "trace", "counts.md"), "utf8");

/** Rows of the mapping table: | type | dimension | `label` | count | share |. */
function readmeTable(): { type: string; name: string; label: string; count: number }[] {
  const rows: { type: string; name: string; label: string; count: number }[] = [];
  for (const line of COUNTS.split("\n")) {
    const m = line.match(/^\|\s*(\w+)\s*\|\s*([^|]+?)\s*\|\s*`([^`]+)`[^|]*\|\s*(\d+)\s*\|/);
    if (m) rows.push({ type: m[1], name: m[2].trim(), label: m[3], count: Number(m[4]) });
  }
  return rows;
}

describe("taxonomy", () => {
  it("has 5 types and 26 dimensions with unique names, keys and labels", () => {
    expect(CONSTRAINT_TYPES).toHaveLength(5);
    expect(DIMENSIONS).toHaveLength(26);
    for (const field of ["name", "key", "label"] as const) {
      expect(new Set(DIMENSIONS.map((d) => d[field])).size).toBe(26);
    }
    const perType = Object.fromEntries(CONSTRAINT_TYPES.map((t) => [t.name, 0]));
    for (const d of DIMENSIONS) perType[d.type]++;
    expect(perType).toEqual({ Content: 6, Situation: 7, Style: 4, Format: 7, Example: 2 });
  });

  it("matches the counts fixture's type / English name / Chinese label table exactly", () => {
    const table = readmeTable();
    expect(table).toHaveLength(26);
    for (const row of table) {
      const d = dimensionByLabel(row.label);
      expect(d, row.label).toBeDefined();
      expect(d?.name).toBe(row.name);
      expect(d?.type).toBe(row.type);
      expect(dimensionByName(row.name)?.label).toBe(row.label);
    }
  });

  it("looks names up tolerantly", () => {
    expect(dimensionByName("role playing")?.key).toBe("role_playing");
    expect(dimensionByName("NUMBERING_AND_LIST")?.label).toBe("编号和列表约束");
    expect(dimensionByLabel(" 模版约束 ")?.name).toBe("Template");
    expect(dimensionByLabel("Markdown流程背景信息约束")?.key).toBe("markdown_background");
    expect(dimensionByLabel("模板约束")).toBeUndefined(); // 板 is not the released spelling
  });

  it("maps the stray labels and any unknown label to `unknown`, counting them", () => {
    const r = new LabelResolver();
    expect(r.resolve("输入格式约束")).toBe(UNKNOWN_DIMENSION);
    expect(r.resolve("·")).toBe(UNKNOWN_DIMENSION);
    expect(r.resolve("·")).toBe(UNKNOWN_DIMENSION);
    expect(r.resolve("")).toBe(UNKNOWN_DIMENSION);
    expect(r.resolve("包含约束").name).toBe("Inclusion");
    expect(r.unknownCount).toBe(4);
    expect(r.unknown.get("·")).toBe(2);
    expect(r.warnings()).toHaveLength(3);
  });

  it("renders every dimension into the prompt in both languages, or a subset", () => {
    const en = renderTaxonomy("en");
    const zh = renderTaxonomy("zh");
    for (const d of DIMENSIONS) {
      expect(en).toContain(d.name);
      expect(zh).toContain(d.label);
    }
    const sub = renderTaxonomy("en", [DIMENSIONS[0], DIMENSIONS[25]]);
    expect(sub).toContain("Theme");
    expect(sub).toContain("Negative Example");
    expect(sub).not.toContain("Inclusion");
  });

  it("describes the dimensions as the paper's Table 6 does (appendix A), in English and Chinese", () => {
    const d = (name: string) => dimensionByName(name)!;
    // Prior Condition is a conditional procedure (when an intent applies, follow a process), not a premise.
    expect(d("Prior Condition").description).toMatch(/when .*intent.*procedure/i);
    expect(d("Prior Condition").descriptionZh).toMatch(/意图.*流程/);
    // Text Pattern is typography: fonts, font sizes, emoji (not letter case or punctuation).
    expect(d("Text Pattern").description).toMatch(/font.*emoji/i);
    expect(d("Text Pattern").description).not.toMatch(/case|punctuation/i);
    expect(d("Text Pattern").descriptionZh).toMatch(/字体.*表情符号/);
    // Value and Privacy are prohibitions; Numerical also covers numeric precision; Template is layout.
    expect(d("Value").description).toMatch(/false information.*discrimination.*bias/i);
    expect(d("Numerical").description).toMatch(/precision/i);
    expect(d("Template").description).toMatch(/alignment.*indentation.*introduction-body-conclusion/i);
    expect(d("Table Background Information").description).toMatch(/Markdown tables/);
    expect(d("Markdown Process Background Information").description).toMatch(/process information .*Markdown/);
    for (const dim of DIMENSIONS) {
      expect(dim.description.length, dim.name).toBeGreaterThan(20);
      expect(dim.descriptionZh, dim.name).toMatch(/[\u4e00-\u9fff]/);
    }
  });
});
