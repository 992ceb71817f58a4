import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { JsonlJournal, readJournal } from "../../src/data/jsonl.js";

describe("JsonlJournal group commit (syncEveryMs)", () => {
  it("writes each line at once (readable before any fsync) and flushes on close", () => {
    const file = join(mkdtempSync(join(tmpdir(), "iopo-journal-")), "j.jsonl");
    const j = new JsonlJournal(file, { syncEveryMs: 60_000 });
    j.append({ id: "a" });
    j.append({ id: "b" });
    // A process killed now loses nothing: the lines are already in the file.
    expect(readJournal(file)).toEqual([{ id: "a" }, { id: "b" }]);
    j.sync();
    j.close();
    const again = new JsonlJournal(file, { syncEveryMs: 10 });
    again.append({ id: "c" });
    again.close();
    expect(readJournal<{ id: string }>(file).map((r) => r.id)).toEqual(["a", "b", "c"]);
  });
});
