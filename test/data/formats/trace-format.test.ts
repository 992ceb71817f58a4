import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  convertFile,
  datasetName,
  detectRowFormat,
  exportLlamaFactory,
  exportTrlFile,
  llamaFactoryConfig,
  loadDataset,
} from "../../../src/data/formats/index.js";
import { loadTrainTrainingData } from "./trace-format-helpers.js";

const dir = mkdtempSync(join(tmpdir(), "iopo-trace-format-"));
const jsonl = (name: string, rows: unknown[]) => {
  const p = join(dir, name);
  writeFileSync(p, rows.map((r) => JSON.stringify(r)).join("\n"));
  return p;
};
const lines = (p: string) =>
  readFileSync(p, "utf8")
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l));

/** Two records as `trace build` writes them (released fields + response + judge + provenance). */
const records = [
  {
    id: "world-0002",
    messages: [
      { role: "system", content: "You are a helpful assistant." },
      { role: "user", content: "List fruits.\n1. List exactly 3 items." },
    ],
    description: "List fruits.",
    constraints: "1. List exactly 3 items.",
    input: "NULL",
    constraints_num: 1,
    constraints_splits: ["1. List exactly 3 items."],
    levels2: ["数值约束"],
    response: "- apple\n- pear\n- kiwi",
    judge: { scores: [10], overall: 10, raw: "..." },
    provenance: {},
  },
  {
    id: 7,
    messages: [{ role: "user", content: "写一个标题" }],
    description: "写一个标题",
    constraints: "",
    input: "NULL",
    constraints_num: 0,
    constraints_splits: [],
    response: "海洋之歌",
  },
];

describe("TRACE records (messages + response) as SFT examples", () => {
  const file = jsonl("trace.jsonl", records);
  it("are detected as the trace format and read as prompt = messages, completion = response", () => {
    expect(detectRowFormat(records[0])).toBe("trace");
    const { format, dataset } = loadDataset(file);
    expect(format).toBe("trace");
    expect(dataset.kind).toBe("sft");
    expect(dataset.rows).toEqual([
      { id: "world-0002", prompt: records[0].messages, completion: records[0].response },
      { id: "7", prompt: records[1].messages, completion: records[1].response },
    ]);
  });
  it("convert --to sft writes TRL messages with the system turn; --to trace writes them back", () => {
    const sft = join(dir, "sft.jsonl");
    const r = convertFile(file, sft, "sft");
    expect(r.format).toBe("trace");
    expect(lines(sft)[0]).toEqual({
      id: "world-0002",
      messages: [...records[0].messages, { role: "assistant", content: records[0].response }],
    });
    const back = join(dir, "back.jsonl");
    convertFile(sft, back, "trace");
    expect(lines(back)[0]).toEqual({ id: "world-0002", messages: records[0].messages, response: records[0].response });
  });
  it("export trl --sft and convert --to sharegpt/alpaca keep the system message", () => {
    const trl = join(dir, "trl.jsonl");
    expect(exportTrlFile(file, trl, { sft: true })).toBe(2);
    expect(lines(trl)[0].messages[0]).toEqual({ role: "system", content: "You are a helpful assistant." });
    const sg = join(dir, "sg.json");
    convertFile(file, sg, "sharegpt");
    expect(JSON.parse(readFileSync(sg, "utf8"))[0]).toEqual({
      conversations: [
        { from: "human", value: records[0].messages[1].content },
        { from: "gpt", value: records[0].response },
      ],
      system: "You are a helpful assistant.",
    });
    const al = join(dir, "al.json");
    convertFile(file, al, "alpaca");
    expect(JSON.parse(readFileSync(al, "utf8"))[0].system).toBe("You are a helpful assistant.");
  });
  it("train reads them for SFT (and only for SFT: a preference method says what it needs)", () => {
    const data = loadTrainTrainingData(file, "sft");
    expect(data.format).toBe("trace");
    expect(data.train.rows).toHaveLength(2);
    expect(() => loadTrainTrainingData(file, "dpo")).toThrow(/method dpo: cannot turn sft examples into pair/);
  });
  it("a TRACE record without a response, or ending with an assistant turn, fails naming file, line and field", () => {
    const noResponse = jsonl("eval.jsonl", [{ ...records[0], response: undefined }]);
    expect(() => loadDataset(noResponse)).toThrow(/eval\.jsonl:1: field "messages\.1\.role": .*needs its answer/);
    const endsWithAnswer = jsonl("bad.jsonl", [
      { ...records[0], messages: [...records[0].messages, { role: "assistant", content: "x" }] },
    ]);
    expect(() => loadDataset(endsWithAnswer)).toThrow(/bad\.jsonl:1: field "messages\.2\.role"/);
  });
});

describe("LLaMA-Factory entries and configs", () => {
  it("--print-dataset-info: keyed by the dataset name, file_name relative to the output's folder", () => {
    const file = jsonl("trace2.jsonl", records);
    const out = join(dir, "nested", "trace_sft.json");
    const r = convertFile(file, out, "sharegpt");
    expect(datasetName(out)).toBe("trace_sft");
    expect(r.datasetInfo).toEqual({
      trace_sft: {
        file_name: "trace_sft.json",
        formatting: "sharegpt",
        columns: { messages: "conversations", system: "system" },
      },
    });
    expect(Object.keys(convertFile(file, out, "sharegpt", { name: "mine" }).datasetInfo!)).toEqual(["mine"]);
  });
  it("a DPO-pairs input is its own dataset (trace_dpo), with a DPO config that says nothing of IOPO", () => {
    const pairs = jsonl("pairs.jsonl", [
      {
        prompt: records[0].messages,
        chosen: [{ role: "assistant", content: "a" }],
        rejected: [{ role: "assistant", content: "b" }],
      },
    ]);
    const out = join(dir, "lf-dpo");
    const r = exportLlamaFactory(loadDataset(pairs).dataset, { outputDir: out, model: "runs/sft" });
    expect(r.datasets).toEqual(["trace_dpo"]);
    expect(r.files.map((f) => f.slice(out.length + 1))).toEqual([
      "trace_dpo.json",
      "trace_dpo.yaml",
      "dataset_info.json",
    ]);
    const yaml = readFileSync(join(out, "trace_dpo.yaml"), "utf8");
    expect(yaml).toMatch(/^stage: dpo$/m);
    expect(yaml).toMatch(/^dataset: trace_dpo$/m);
    expect(yaml).not.toMatch(/IOPO|eq\. 9|four sequences|group|iopo-fork|trace_iopo|stage: iopo/);
    const rows = JSON.parse(readFileSync(join(out, "trace_dpo.json"), "utf8"));
    expect(rows[0].system).toBe("You are a helpful assistant.");
    const info = JSON.parse(readFileSync(join(out, "dataset_info.json"), "utf8"));
    expect(info.trace_dpo).toMatchObject({ file_name: "trace_dpo.json", ranking: true, formatting: "sharegpt" });
    expect(info.trace_dpo.columns.system).toBe("system");
  });
  it("the IOPO config names the patch and the commands that run it", () => {
    const yaml = llamaFactoryConfig("iopo", "trace_iopo", {});
    expect(yaml).toContain("git apply /path/to/this/folder/iopo-fork.patch");
    expect(yaml).toContain("llamafactory-cli train trace_iopo_iopo.yaml");
    expect(yaml).not.toMatch(/to patch before running|by hand/i);
  });
});
