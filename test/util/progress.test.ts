import { describe, expect, it } from "vitest";
import { Progress } from "../../src/util/progress.js";

describe("Progress", () => {
  it("emits JSON lines at most every intervalMs, plus one when a task finishes", () => {
    let t = 0;
    const lines: string[] = [];
    const p = new Progress({
      tty: false,
      intervalMs: 1000,
      now: () => t,
      stream: { write: (s: string) => lines.push(s) },
    });
    const task = p.start("expand", 10);
    task.advance(1, { prompt_tokens: 5 });
    t = 500;
    task.advance(1, { prompt_tokens: 5, retries: 1 });
    expect(lines).toHaveLength(0);
    t = 1200;
    task.advance(1);
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0])).toEqual({
      progress: "expand",
      done: 3,
      total: 10,
      counters: { prompt_tokens: 10, retries: 1 },
      elapsed_s: 1.2,
    });
    p.task("expand")?.count({ rate_limited: 2 });
    task.finish();
    expect(JSON.parse(lines.at(-1)!)).toMatchObject({ finished: true, counters: { rate_limited: 2 } });
    expect(p.snapshot()[0].done).toBe(3);
  });

  it("draws bars on a TTY stream and is silent when asked", () => {
    let out = "";
    const stream = {
      write: (s: string) => {
        out += s;
        return true;
      },
      isTTY: true,
      columns: 120,
      cursorTo: () => true,
      moveCursor: () => true,
      clearLine: () => true,
      clearScreenDown: () => true,
    };
    const p = new Progress({ stream: stream as never, barCounters: ["prompt_tokens"] });
    const task = p.start("judge", 4);
    task.advance(2, { prompt_tokens: 7 });
    task.finish();
    p.stop();
    expect(out).toContain("judge");
    expect(out).toContain("prompt_tokens=7");
    const lines: string[] = [];
    const quiet = new Progress({
      silent: true,
      tty: false,
      intervalMs: 0,
      stream: { write: (s: string) => lines.push(s) },
    });
    quiet.start("x", 1).advance();
    expect(lines).toEqual([]);
  });
});
