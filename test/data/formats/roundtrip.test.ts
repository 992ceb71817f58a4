import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  type Dataset,
  exportRows,
  type Format,
  loadDataset,
  serializeRows,
  toKind,
} from "../../../src/data/formats/index.js";
import type { ChatMessage, IopoGroup } from "../../../src/data/schemas.js";

const dir = mkdtempSync(join(tmpdir(), "iopo-roundtrip-"));
let n = 0;
function reimport(rows: unknown[], format?: Format, ext = ".jsonl"): Dataset {
  const p = join(dir, `f${n++}${ext}`);
  writeFileSync(p, serializeRows(p, rows));
  return loadDataset(p, format).dataset;
}

// Texts with newlines, quotes, unicode and leading/trailing spaces
const texts = ["plain", ' "quoted" \n second line ', "中文：标题长度10至15个字；", "tab\tand emoji 🙂", "  "];
const system: ChatMessage = { role: "system", content: "You are a helpful assistant." };
const customSystem: ChatMessage = { role: "system", content: "Answer in JSON." };
function groups(withSystem: ChatMessage | undefined): IopoGroup[] {
  return texts.map((t, i) => ({
    x1: { messages: [...(withSystem ? [withSystem] : []), { role: "user", content: `x1 ${t} ${i}` }] },
    y1: `y1 ${t}`,
    x2: { messages: [...(withSystem ? [withSystem] : []), { role: "user", content: `x2 ${t} ${i}` }] },
    y2: `y2 ${t}`,
  }));
}

describe("round trips through every format", () => {
  for (const sys of [undefined, system, customSystem]) {
    const label = sys ? `system "${sys.content}"` : "no system";
    it(`groups -> iopo / sharegpt -> groups (${label})`, () => {
      const ds: Dataset = { kind: "group", rows: groups(sys) };
      expect(reimport(exportRows(ds, "iopo"))).toEqual(ds);
      expect(reimport(exportRows(ds, "sharegpt"), undefined, ".json")).toEqual(ds);
    });
    it(`pairs -> dpo / trl / alpaca / sharegpt -> pairs (${label})`, () => {
      const pairs = toKind({ kind: "group", rows: groups(sys) }, "pair");
      const noIds = { kind: "pair", rows: pairs.rows.map(({ id: _id, ...p }) => p) } as Dataset;
      for (const f of ["dpo", "trl", "alpaca", "sharegpt"] as Format[])
        expect(reimport(exportRows(noIds, f))).toEqual(noIds);
    });
    it(`sft -> sft / trace / alpaca / sharegpt -> sft (${label})`, () => {
      const sft = toKind({ kind: "group", rows: groups(sys) }, "sft");
      const noIds = { kind: "sft", rows: sft.rows.map(({ id: _id, ...p }) => p) } as Dataset;
      for (const f of ["sft", "trace", "alpaca", "sharegpt"] as Format[])
        expect(reimport(exportRows(noIds, f))).toEqual(noIds);
    });
  }
  it("every system prompt, TRACE's default included, survives LLaMA-Factory rows (the system column)", () => {
    const ds: Dataset = { kind: "group", rows: groups(system) };
    const rows = exportRows(ds, "sharegpt");
    expect(rows.every((r) => r.system === system.content)).toBe(true);
    expect(reimport(rows)).toEqual(ds);
    const sft = toKind(ds, "sft");
    for (const f of ["alpaca", "sharegpt"] as Format[])
      expect(exportRows(sft, f).every((r) => r.system === system.content)).toBe(true);
  });
  it("multi-turn prompts survive alpaca history and sharegpt turns", () => {
    const prompt: ChatMessage[] = [
      customSystem,
      { role: "user", content: "q1" },
      { role: "assistant", content: "a1" },
      { role: "user", content: "q2" },
    ];
    const ds: Dataset = { kind: "pair", rows: [{ prompt, chosen: "c", rejected: "r" }] };
    for (const f of ["dpo", "alpaca", "sharegpt"] as Format[]) expect(reimport(exportRows(ds, f))).toEqual(ds);
  });
});
