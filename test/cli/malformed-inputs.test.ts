import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EXIT } from "../../src/cli/options.js";
import { runCli } from "../helpers/cli.js";
import { type FakeOpenAIServer, startFakeOpenAIServer } from "../helpers/fake-openai-server.js";
import { runInProcess } from "../helpers/main-in-process.js";
import { tinyModelDir } from "../helpers/tiny-model.js";

/**
 * Malformed input files, every file-reading command x every kind of damage, through the CLI (in this process: the
 * same main() as the binary; a representative few as real processes at the end).
 *
 * Rejected, exit code 2, one line `iopo: FILE[:LINE]: [field "F": ]what was wrong`, no usage text: a broken JSON
 * line, a missing required field, a field of the wrong type, an empty file, bytes that are not UTF-8, a directory,
 * a path that does not exist, a line longer than the line limit (IOPO_MAX_LINE_BYTES, lowered here to 4 KiB).
 * Accepted, as their intact twin: a UTF-8 byte-order mark (Windows editors, Excel) and CRLF line ends.
 */

const dir = mkdtempSync(join(tmpdir(), "iopo-malformed-"));
const model = tinyModelDir();
const LINE_LIMIT = 4096;
let server: FakeOpenAIServer;

beforeAll(async () => {
  // `pairs` needs an endpoint to run at all; its replies are not readable, so an intact input ends with its rows
  // rejected as parse failures and exit 0 (nothing about the file).
  server = await startFakeOpenAIServer({ reply: () => "not a stage reply" });
});
afterAll(async () => server?.close());

type Row = Record<string, unknown>;

/** A file-reading command: two valid rows, a row lacking a field, a row with a field of the wrong type. */
interface Spec {
  name: string;
  valid: [Row, Row];
  missing: [Row, string];
  wrongType: [Row, string];
  /** The command line reading `file` (outputs under `out`). */
  args: (file: string, out: string) => string[];
}

const user = (content: string) => [{ role: "user", content }];
const TRACE_RECORD = (id: string, response?: string) => ({
  id,
  messages: [...user(`Write a poem about ${id}.\n1. Use 3 lines.`)],
  description: `Write a poem about ${id}.`,
  constraints: "1. Use 3 lines.",
  input: "",
  constraints_num: 1,
  constraints_splits: ["1. Use 3 lines."],
  levels2: ["数值约束"],
  ...(response ? { response } : {}),
});
const GROUP = (k: number) => ({
  x1: { messages: user(`Task ${k}, in 3 lines.`) },
  y1: `answer ${k} in three lines`,
  x2: { messages: user(`Task ${k}, in 2 lines.`) },
  y2: `answer ${k} in two lines`,
});
const PAIR = (k: number) => ({ prompt: `Question ${k}?`, chosen: `Good ${k}.`, rejected: `Bad ${k}.` });

const valid = (f: string) => f;
const fixtures: Record<string, string> = {};
function fixture(name: string, rows: Row[]): string {
  const f = join(dir, name);
  writeFileSync(f, rows.map((r) => JSON.stringify(r)).join("\n"));
  fixtures[name] = f;
  return f;
}
const traceData = () =>
  fixtures["trace-data.jsonl"] ?? fixture("trace-data.jsonl", [TRACE_RECORD("a"), TRACE_RECORD("b")]);
const cfbenchData = () =>
  fixtures["cf-data.jsonl"] ??
  fixture("cf-data.jsonl", [
    { idx: 1, prompt: "Write a title.", split: "easy", criteria: [["Has a title", "主需"]] },
    { idx: 2, prompt: "Write a line.", split: "hard", criteria: [["One line", "次需"]] },
  ]);
const complexbenchData = () =>
  fixtures["cb-data.jsonl"] ??
  fixture("cb-data.jsonl", [
    { main_id: 1, instruction: "Write a title.", scoring_questions: [{ question: "Is there a title?", rule: null }] },
    { main_id: 2, instruction: "Write a line.", scoring_questions: [{ question: "Is it one line?", rule: null }] },
  ]);
const ifevalInput = () =>
  fixtures["ifeval-input.jsonl"] ??
  fixture("ifeval-input.jsonl", [
    { key: 1, prompt: "Say hi without commas.", instruction_id_list: ["punctuation:no_comma"], kwargs: [{}] },
    { key: 2, prompt: "Say bye without commas.", instruction_id_list: ["punctuation:no_comma"], kwargs: [{}] },
  ]);
const ifevalResponses = () =>
  fixtures["ifeval-responses.jsonl"] ??
  fixture("ifeval-responses.jsonl", [
    { key: 1, response: "hi there" },
    { key: 2, response: "bye now" },
  ]);
const trainConfig = (dataset: string, out: string) => {
  const f = join(out, "train.yaml");
  mkdirSync(out, { recursive: true });
  writeFileSync(f, `model_name_or_path: ${model}\nmethod: dpo\ndataset: ${dataset}\noutput_dir: ${join(out, "run")}\n`);
  return f;
};
const judged = ["--judge-model", "j", "--dry-run", "--no-cache"];

const SPECS: Spec[] = [
  {
    name: "trace build --input",
    valid: [
      { id: "a", instruction: "Write a haiku." },
      { id: "b", instruction: "Write a limerick." },
    ],
    missing: [{ id: "b" }, "instruction"],
    wrongType: [{ id: "b", instruction: 5 }, "instruction"],
    args: (f, out) => ["trace", "build", "--input", f, "--output-dir", out, "--dry-run"],
  },
  {
    name: "trace judge --input",
    valid: [TRACE_RECORD("a", "A poem."), TRACE_RECORD("b", "A poem.")],
    missing: [{ ...TRACE_RECORD("b"), response: undefined }, "response"],
    wrongType: [{ ...TRACE_RECORD("b", "x"), constraints_splits: "one" }, "constraints_splits"],
    args: (f, out) => ["trace", "judge", "--input", f, "--output", join(out, "judged.jsonl"), "--dry-run"],
  },
  {
    name: "stats",
    valid: [
      { constraints_num: 1, levels2: ["数值约束"] },
      { constraints_splits: ["a", "b"], levels2: ["主题约束", "数值约束"] },
    ],
    missing: [{ levels2: ["数值约束"] }, "constraints_num"],
    wrongType: [{ constraints_num: "three" }, "constraints_num"],
    args: (f) => ["stats", f],
  },
  {
    name: "pairs dpo --input",
    valid: [TRACE_RECORD("a", "A poem."), TRACE_RECORD("b", "A poem.")],
    missing: [{ ...TRACE_RECORD("b"), description: undefined }, "description"],
    wrongType: [{ ...TRACE_RECORD("b", "x"), response: 3 }, "response"],
    args: (f, out) =>
      ["pairs", "dpo", "--input", f, "--output-dir", out, "--base-url", server.baseUrl, "--model", "m"].concat([
        "--no-cache",
        "--progress",
        "none",
      ]),
  },
  {
    name: "train (dataset)",
    valid: [PAIR(1), PAIR(2)],
    missing: [{ prompt: "Question 2?", chosen: "Good." }, "rejected"],
    wrongType: [{ prompt: "Question 2?", chosen: 5, rejected: "Bad." }, "chosen"],
    args: (f, out) => ["train", "-c", trainConfig(f, out), "--dry-run"],
  },
  {
    name: "logprobs --data",
    valid: [
      { prompt: "hi", response: "there" },
      { prompt: "ok", response: "fine" },
    ],
    missing: [{ prompt: "hi" }, "response"],
    wrongType: [{ prompt: 5, response: "x" }, "prompt"],
    args: (f, out) => ["logprobs", "--model", model, "--data", f, "--no-cache", "--output", join(out, "lp.jsonl")],
  },
  {
    name: "generate --data",
    valid: [{ prompt: "hi" }, { messages: user("ok") }],
    missing: [{ response: "no prompt" }, "prompt"],
    wrongType: [{ messages: "hello" }, "messages"],
    args: (f, out) => ["generate", "--model", model, "--data", f, "--max_new_tokens", "1", "-o", join(out, "g.jsonl")],
  },
  {
    name: "inspect --data",
    valid: [
      { prompt: "hi", response: "there" },
      { prompt: "ok", response: "fine" },
    ],
    missing: [{ response: "no prompt" }, "prompt"],
    wrongType: [{ prompt: [{ role: 1, content: "x" }], response: "y" }, "prompt[0].role"],
    args: (f) => ["inspect", "--model", model, "--data", f, "--row", "1"],
  },
  {
    name: "eval trace --data",
    valid: [TRACE_RECORD("a"), TRACE_RECORD("b")],
    missing: [{ ...TRACE_RECORD("b"), constraints_num: undefined }, "constraints_num"],
    wrongType: [{ ...TRACE_RECORD("b"), messages: "hi" }, "messages"],
    args: (f, out) => ["eval", "trace", "--data", f, "--out", out, "--model", "m", ...judged],
  },
  {
    name: "eval trace --responses",
    valid: [
      { id: "a", response: "r1" },
      { id: "b", response: "r2" },
    ],
    missing: [{ id: "b" }, "response"],
    wrongType: [{ id: "b", response: ["r"] }, "response"],
    args: (f, out) => ["eval", "trace", "--data", traceData(), "--responses", f, "--out", out, ...judged],
  },
  {
    name: "eval ifeval --responses",
    valid: [
      { key: 1, response: "hi there" },
      { key: 2, response: "bye now" },
    ],
    missing: [{ key: 2 }, "response"],
    wrongType: [{ key: 2, response: 7 }, "response"],
    args: (f, out) => ["eval", "ifeval", "--input-data", ifevalInput(), "--responses", f, "--output-dir", out],
  },
  {
    name: "eval ifeval --input-data",
    valid: [
      { key: 1, prompt: "Say hi without commas.", instruction_id_list: ["punctuation:no_comma"], kwargs: [{}] },
      { key: 2, prompt: "Say bye without commas.", instruction_id_list: ["punctuation:no_comma"], kwargs: [{}] },
    ],
    missing: [{ key: 2, prompt: "x", kwargs: [{}] }, "instruction_id_list"],
    wrongType: [{ key: 2, prompt: 3, instruction_id_list: ["punctuation:no_comma"], kwargs: [{}] }, "prompt"],
    args: (f, out) => ["eval", "ifeval", "--input-data", f, "--responses", ifevalResponses(), "--output-dir", out],
  },
  {
    name: "eval cfbench --data",
    valid: [
      { idx: 1, prompt: "Write a title.", split: "easy", criteria: [["Has a title", "主需"]] },
      { idx: 2, prompt: "Write a line.", split: "hard", criteria: [["One line", "次需"]] },
    ],
    missing: [{ idx: 2, prompt: "x", criteria: [["c", "主需"]] }, "split"],
    wrongType: [{ idx: "two", prompt: "x", split: "easy", criteria: [["c", "主需"]] }, "idx"],
    args: (f, out) => ["eval", "cfbench", "--data", f, "--out", out, "--model", "m", ...judged],
  },
  {
    name: "eval cfbench --responses",
    valid: [
      { idx: 1, response: "Title" },
      { idx: 2, response: "Line" },
    ],
    missing: [{ response: "x" }, "idx"],
    wrongType: [{ idx: 2, response: 5 }, "response"],
    args: (f, out) => ["eval", "cfbench", "--data", cfbenchData(), "--responses", f, "--out", out, ...judged],
  },
  {
    name: "eval complexbench --data",
    valid: [
      { main_id: 1, instruction: "Write a title.", scoring_questions: [{ question: "Title?", rule: null }] },
      { main_id: 2, instruction: "Write a line.", scoring_questions: [{ question: "One line?", rule: null }] },
    ],
    missing: [{ main_id: 2, scoring_questions: [{ question: "q", rule: null }] }, "instruction"],
    wrongType: [{ main_id: 2, instruction: "x", scoring_questions: "q" }, "scoring_questions"],
    args: (f, out) => ["eval", "complexbench", "--data", f, "--out", out, "--model", "m", ...judged],
  },
  {
    name: "eval complexbench --responses",
    valid: [
      { main_id: 1, generated: "Title" },
      { main_id: 2, generated: "Line" },
    ],
    missing: [{ main_id: 2 }, "generated"],
    wrongType: [{ main_id: 2, generated: 5 }, "generated"],
    args: (f, out) => ["eval", "complexbench", "--data", complexbenchData(), "--responses", f, "--out", out, ...judged],
  },
  {
    name: "export llamafactory --data",
    valid: [GROUP(1), GROUP(2)],
    missing: [{ ...GROUP(2), y2: undefined }, "y2"],
    wrongType: [{ ...GROUP(2), y1: 5 }, "y1"],
    args: (f, out) => ["export", "llamafactory", "--data", f, "--output-dir", out],
  },
  {
    name: "export trl --data",
    valid: [PAIR(1), PAIR(2)],
    missing: [{ prompt: "Question 2?", chosen: "Good." }, "rejected"],
    wrongType: [{ prompt: "Question 2?", chosen: "Good.", rejected: false }, "rejected"],
    args: (f, out) => ["export", "trl", "--data", f, "--output", join(out, "trl.jsonl")],
  },
  {
    name: "convert --input",
    valid: [GROUP(1), GROUP(2)],
    missing: [{ ...GROUP(2), x2: undefined }, "x2"],
    wrongType: [{ ...GROUP(2), x1: { messages: "hi" } }, "x1.messages"],
    args: (f, out) => ["convert", "--input", f, "--output", join(out, "sft.jsonl"), "--to", "sft"],
  },
];

type Damage =
  | "broken line"
  | "missing field"
  | "wrong type"
  | "empty file"
  | "non-UTF-8"
  | "BOM"
  | "CRLF"
  | "directory"
  | "missing path"
  | "oversized line";

const DAMAGES: Damage[] = [
  "broken line",
  "missing field",
  "wrong type",
  "empty file",
  "non-UTF-8",
  "BOM",
  "CRLF",
  "directory",
  "missing path",
  "oversized line",
];

const line = (r: Row) => JSON.stringify(r);

/** Write the damaged input of `spec` into `path`; returns the line and field the error must name. */
function damage(spec: Spec, kind: Damage, path: string): { line?: number; field?: string; message: RegExp } {
  const [a, b] = spec.valid;
  const write = (content: string | Buffer) => writeFileSync(path, content);
  switch (kind) {
    case "broken line":
      write(`${line(a)}\n{"oops": \n`);
      return { line: 2, message: /not valid JSON/ };
    case "missing field":
      write(`${line(a)}\n${line(spec.missing[0])}\n`);
      return { line: 2, field: spec.missing[1], message: /./ };
    case "wrong type":
      write(`${line(a)}\n${line(spec.wrongType[0])}\n`);
      return { line: 2, field: spec.wrongType[1], message: /./ };
    case "empty file":
      write("");
      return { message: /file has no rows/ };
    case "non-UTF-8":
      write(Buffer.concat([Buffer.from(`${line(a)}\n{"x": "`), Buffer.from([0xc3, 0x28, 0xff]), Buffer.from('"}\n')]));
      return { line: 2, message: /invalid UTF-8 bytes/ };
    case "BOM":
      write(`\uFEFF${line(a)}\n${line(b)}\n`);
      return { message: /accepted/ };
    case "CRLF":
      write(`${line(a)}\r\n${line(b)}\r\n`);
      return { message: /accepted/ };
    case "directory":
      mkdirSync(path);
      return { message: /is a directory, expected a JSONL file/ };
    case "missing path":
      return { message: /file not found \(expected a JSONL file/ };
    case "oversized line":
      write(`${line(a)}\n${line({ ...b, padding: "x".repeat(LINE_LIMIT) })}\n`);
      return { line: 2, message: new RegExp(`line is too long \\(\\d+ bytes; at most ${LINE_LIMIT}`) };
  }
}

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

describe.each(SPECS)("$name", (spec) => {
  it.each(DAMAGES)("%s", async (kind) => {
    const where = mkdtempSync(join(dir, "case-"));
    const file = join(where, "input.jsonl");
    const out = join(where, "out");
    const expected = damage(spec, kind, file);
    const r = await runInProcess(spec.args(file, out), { IOPO_MAX_LINE_BYTES: String(LINE_LIMIT) });
    if (kind === "BOM" || kind === "CRLF") {
      expect(r.code, r.stderr).toBe(EXIT.ok);
      return;
    }
    expect(r.code, r.stderr).toBe(EXIT.usage);
    // One line naming the file (its line, its field), then nothing else: no usage text after a data error.
    const place = escapeRe(file) + (expected.line !== undefined ? `(?: \\(element \\d+\\))?:${expected.line}` : "");
    const field = expected.field !== undefined ? `field "${escapeRe(expected.field)}": ` : "";
    expect(r.stderr).toMatch(new RegExp(`(^|\\n)iopo: ${place}: ${field}`));
    expect(r.stderr).toMatch(expected.message);
    expect(r.stderr).not.toMatch(/Usage:/);
  });
});

describe("JSON array files (LLaMA-Factory datasets)", () => {
  it("are not limited per line, and a broken one names the line of the error", async () => {
    const f = join(dir, "array.json");
    // One long line over the JSONL line limit: a JSON array is read whole.
    writeFileSync(f, JSON.stringify([PAIR(1), { ...PAIR(2), note: "x".repeat(LINE_LIMIT) }]));
    const ok = await runInProcess(["convert", "--input", f, "--output", join(dir, "a.jsonl"), "--to", "sft"], {
      IOPO_MAX_LINE_BYTES: String(LINE_LIMIT),
    });
    expect(ok.code, ok.stderr).toBe(EXIT.ok);
    writeFileSync(f, `[\n${line(PAIR(1))},\n${line(PAIR(2)).slice(0, 20)}\n]\n`);
    const bad = await runInProcess(["convert", "--input", f, "--output", join(dir, "b.jsonl"), "--to", "sft"]);
    expect(bad.code).toBe(EXIT.usage);
    expect(bad.stderr).toMatch(new RegExp(`^iopo: ${escapeRe(f)}:3: not valid JSON`));
  });
});

describe("the train config file (YAML)", () => {
  const cfg = (name: string, content: string | Buffer) => {
    const f = join(dir, name);
    writeFileSync(f, content);
    return f;
  };
  const dataset = () => fixture("train-pairs.jsonl", [PAIR(1), PAIR(2)]);
  const body = () =>
    `model_name_or_path: ${model}\nmethod: dpo\ndataset: ${dataset()}\noutput_dir: ${join(dir, "tr")}\n`;

  it.each([
    ["broken line", () => cfg("broken.yaml", `${body()}learning_rate: [1e-5\n`), /broken\.yaml:[56]: invalid YAML/],
    ["wrong type", () => cfg("type.yaml", `${body()}learning_rate: fast\n`), /type\.yaml:5: field "learning_rate"/],
    [
      "non-UTF-8",
      () => cfg("bytes.yaml", Buffer.concat([Buffer.from(body()), Buffer.from([0xff])])),
      /bytes\.yaml:5: invalid UTF-8/,
    ],
    ["directory", () => valid(mkdtempSync(join(dir, "cfgdir-"))), /is a directory, expected a YAML config file/],
    ["missing path", () => join(dir, "nope.yaml"), /nope\.yaml: file not found \(expected a YAML config file\)/],
  ])("%s: exit 2 naming the file", async (_kind, make, message) => {
    const r = await runInProcess(["train", "-c", make(), "--dry-run"]);
    expect(r.code, r.stderr).toBe(EXIT.usage);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).not.toMatch(/Usage:/);
  });

  it.each([
    ["BOM", () => cfg("bom.yaml", `\uFEFF${body()}`)],
    ["CRLF", () => cfg("crlf.yaml", body().replaceAll("\n", "\r\n"))],
  ])("%s: accepted", async (_kind, make) => {
    const r = await runInProcess(["train", "-c", make(), "--dry-run"]);
    expect(r.code, r.stderr).toBe(EXIT.ok);
  });
});

describe("as real processes (a representative subset)", () => {
  it("a directory, a non-UTF-8 file and a BOM file through the binary's entry", () => {
    const d = mkdtempSync(join(dir, "proc-"));
    const folder = join(d, "folder.jsonl");
    mkdirSync(folder);
    const asDir = runCli(["convert", "--input", folder, "--output", join(d, "o.jsonl"), "--to", "sft"]);
    expect(asDir.status).toBe(EXIT.usage);
    expect(asDir.stderr).toBe(`iopo: ${folder}: is a directory, expected a JSONL file or a JSON array\n`);
    const bytes = join(d, "bytes.jsonl");
    writeFileSync(bytes, Buffer.from([0x7b, 0xff, 0x7d, 0x0a]));
    const nonUtf8 = runCli(["stats", bytes]);
    expect(nonUtf8.status).toBe(EXIT.usage);
    expect(nonUtf8.stderr).toBe(`iopo: ${bytes}:1: invalid UTF-8 bytes (save the file as UTF-8)\n`);
    const bom = join(d, "bom.jsonl");
    writeFileSync(bom, `\uFEFF${line({ constraints_num: 2, levels2: ["数值约束", "主题约束"] })}\r\n`);
    const ok = runCli(["stats", bom, "--json"]);
    expect(ok.status, ok.stderr).toBe(EXIT.ok);
    expect(JSON.parse(ok.stdout)).toMatchObject({ n: 1, constraints_total: 2 });
  });
});
