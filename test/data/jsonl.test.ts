import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { DataError } from "../../src/data/errors.js";
import { renderInstruction } from "../../src/data/instruction.js";
import { JsonlJournal, readJournal, readJsonl, writeJsonl } from "../../src/data/jsonl.js";
import { IopoGroupSchema, TraceRecordSchema } from "../../src/data/schemas.js";

const dir = mkdtempSync(join(tmpdir(), "iopo-jsonl-"));
const file = (name: string, content: string | Buffer) => {
  const p = join(dir, name);
  writeFileSync(p, content);
  return p;
};

describe("readJsonl", () => {
  it("names file and line of broken JSON", () => {
    const p = file("broken.jsonl", '{"a":1}\n{"a":\n');
    expect(() => readJsonl(p)).toThrow(DataError);
    expect(() => readJsonl(p)).toThrow(/broken\.jsonl:2: not valid JSON/);
  });

  it("names the field of a schema violation", () => {
    const p = file("group.jsonl", `${JSON.stringify({ x1: { messages: [{ role: "user", content: "a" }] }, y1: 3 })}\n`);
    expect(() => readJsonl(p, IopoGroupSchema)).toThrow(/group\.jsonl:1: field "y1"/);
  });

  it("rejects an empty file and non-UTF-8 bytes", () => {
    expect(() => readJsonl(file("empty.jsonl", ""))).toThrow(/no rows/);
    const bad = Buffer.concat([Buffer.from('{"a":"ok"}\n{"a":"'), Buffer.from([0xff, 0xfe]), Buffer.from('"}\n')]);
    expect(() => readJsonl(file("bytes.jsonl", bad))).toThrow(/bytes\.jsonl:2: invalid UTF-8/);
  });

  it("round-trips rows and keeps unknown fields", () => {
    const p = join(dir, "rt.jsonl");
    writeJsonl(p, [{ a: 1, extra: "x" }, { a: 2 }]);
    expect(readJsonl(p).map((r) => r.value)).toEqual([{ a: 1, extra: "x" }, { a: 2 }]);
  });
});

describe("journal", () => {
  it("drops a torn last line but not a corrupt middle line", () => {
    const p = join(dir, "journal.jsonl");
    const j = new JsonlJournal(p);
    j.append({ i: 1 });
    j.append({ i: 2 });
    j.close();
    writeFileSync(p, `${readFileSync(p, "utf8")}{"i":3`);
    expect(readJournal(p)).toEqual([{ i: 1 }, { i: 2 }]);
    writeFileSync(p, '{"i":1}\n{"i"\n{"i":3}\n');
    expect(() => readJournal(p)).toThrow(/journal\.jsonl:2/);
  });

  it("group commit (syncEveryMs): writes each line at once (readable before any fsync) and flushes on close", () => {
    const p = join(dir, "group-commit.jsonl");
    const j = new JsonlJournal(p, { syncEveryMs: 60_000 });
    j.append({ id: "a" });
    j.append({ id: "b" });
    // A process killed now loses nothing: the lines are already in the file.
    expect(readJournal(p)).toEqual([{ id: "a" }, { id: "b" }]);
    j.sync();
    j.close();
    const again = new JsonlJournal(p, { syncEveryMs: 10 });
    again.append({ id: "c" });
    again.close();
    expect(readJournal<{ id: string }>(p).map((r) => r.id)).toEqual(["a", "b", "c"]);
  });
});

describe("TRACE records", () => {
  it("parse the bundled evaluation set and render the user prompt exactly", () => {
    const rows = readJsonl("data/trace/2024_trace_evaluation.jsonl", TraceRecordSchema);
    expect(rows.length).toBe(1042);
    for (const { value: r } of rows) {
      expect(r.messages[1].content).toBe(renderInstruction(r.description, r.constraints, r.input));
    }
  });
});
