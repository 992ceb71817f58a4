import { existsSync } from "node:fs";
import { isAbsolute, join, resolve } from "node:path";
import { LabelResolver } from "../taxonomy/lookup.js";
import { readJson, readJsonObjects } from "./detect.js";
import type { ItemInfo, ItemResult, ItemRun, ItemsBenchmark } from "./model.js";

/**
 * Section 4 of the page: every evaluated item with each run's response and verdicts. Texts are pooled (an
 * instruction shared by ten methods, or a judge text repeated, is stored once) and item fields are stored once per
 * benchmark, so a 1,042-item TRACE evaluation of ten methods embeds each instruction once.
 */

class StringPool {
  readonly strings: string[] = [];
  private readonly index = new Map<string, number>();
  add(s: string): number {
    let i = this.index.get(s);
    if (i === undefined) {
      i = this.strings.length;
      this.strings.push(s);
      this.index.set(s, i);
    }
    return i;
  }
}

/** A run to add: an evaluation folder and who it belongs to. */
export interface ItemRunInput {
  dir: string;
  method: string;
  label: string;
  seed: number | null;
  /** Shown as the run's source. */
  source: string;
  /** TRACE records the run was evaluated on (instruction and constraint texts), when known. */
  dataFile?: string;
}

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Obj) : {});
const str = (v: unknown): string => (typeof v === "string" ? v : v === undefined || v === null ? "" : String(v));
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

/** Builds one benchmark's item table from several runs. */
class BenchmarkBuilder {
  readonly pool = new StringPool();
  readonly items: ItemInfo[] = [];
  readonly byId = new Map<string, number>();
  readonly dimensions: string[] = [];
  private readonly dimIndex = new Map<string, number>();
  readonly runs: { run: ItemRun; byItem: Map<number, ItemResult> }[] = [];

  dim(name: string): number {
    let i = this.dimIndex.get(name);
    if (i === undefined) {
      i = this.dimensions.length;
      this.dimensions.push(name);
      this.dimIndex.set(name, i);
    }
    return i;
  }

  item(id: string, make: () => Omit<ItemInfo, "id">): number {
    let i = this.byId.get(id);
    if (i === undefined) {
      i = this.items.length;
      this.items.push({ id, ...make() });
      this.byId.set(id, i);
    }
    return i;
  }

  build(id: ItemsBenchmark["id"], label: string, passLabel: string): ItemsBenchmark {
    return {
      id,
      label,
      pass_label: passLabel,
      strings: this.pool.strings,
      dimensions: this.dimensions,
      items: this.items,
      runs: this.runs.map(({ run, byItem }) => ({
        ...run,
        results: this.items.map((_, i) => byItem.get(i) ?? null),
      })),
    };
  }
}

/** Where the TRACE records of an evaluation are: the given data file, else metrics.json's provenance.data_file. */
export function traceDataFile(dir: string, given?: string): string | undefined {
  const candidates: string[] = [];
  if (given) candidates.push(given);
  const metrics = join(dir, "metrics.json");
  if (existsSync(metrics)) {
    const f = str(obj(obj(readJson(metrics)).provenance).data_file);
    if (f) candidates.push(...(isAbsolute(f) ? [f] : [resolve(f), join(dir, f)]));
  }
  return candidates.find((f) => existsSync(f));
}

const VERDICT: Record<string, number> = { none: 0, pass: 1, fail: 2 };
const COVERAGE: Record<string, number> = { full: 1, partial: 2 };

/** The items of TRACE evaluations (`eval trace` folders: results.jsonl, and the records for the texts). */
export function traceItems(inputs: readonly ItemRunInput[], warn: (w: string) => void): ItemsBenchmark {
  const b = new BenchmarkBuilder();
  const resolver = new LabelResolver();
  const records = new Map<string, Obj>();
  const readRecords = new Set<string>();
  for (const input of inputs) {
    const dataFile = traceDataFile(input.dir, input.dataFile);
    if (dataFile && !readRecords.has(dataFile)) {
      readRecords.add(dataFile);
      for (const r of readJsonObjects(dataFile)) if (typeof r.id === "string") records.set(r.id, r);
    }
    if (!dataFile) warn(`${input.source}: the evaluated TRACE records were not found; instructions are not shown`);
    const byItem = new Map<number, ItemResult>();
    for (const row of readJsonObjects(join(input.dir, "results.jsonl"))) {
      const id = str(row.id);
      const rec = records.get(id);
      const rules = arr(row.rules).map(obj);
      const levels = arr(row.levels2 ?? rec?.levels2).map(str);
      const n = typeof row.constraints_num === "number" ? row.constraints_num : levels.length;
      const k = b.item(id, () => {
        const user = arr(rec?.messages)
          .map(obj)
          .filter((m) => m.role === "user")
          .pop();
        const cons = rec ? arr(rec.constraints_splits).map(str) : rules.map((r) => str(r.constraint));
        return {
          n,
          text: user ? b.pool.add(str(user.content)) : -1,
          cons: cons.map((c) => b.pool.add(c)),
          dims: Array.from({ length: n }, (_, i) =>
            levels[i] === undefined ? -1 : b.dim(resolver.resolve(levels[i]).name),
          ),
        };
      });
      const judge = obj(row.judge);
      const followed = obj(row.followed);
      const scores = Array.isArray(judge.scores) ? judge.scores.map((s) => (typeof s === "number" ? s : null)) : null;
      const result: ItemResult = {
        p: followed.all_ten === true ? 1 : 0,
        r: b.pool.add(str(row.response)),
        s: scores,
        o: typeof judge.overall === "number" ? judge.overall : null,
        j: b.pool.add(str(judge.raw)),
        po: followed.overall === true ? 1 : 0,
        ph: followed.hybrid === true ? 1 : 0,
      };
      if (judge.parse_error) result.e = b.pool.add(str(judge.parse_error));
      if (rules.length > 0)
        result.u = rules.map((rc) => [
          VERDICT[str(rc.verdict)] ?? 0,
          COVERAGE[str(rc.coverage)] ?? 0,
          b.pool.add(
            arr(rc.rules)
              .map(obj)
              .map(
                (x) =>
                  `${str(obj(x.rule).kind)}: ${obj(x.check).pass ? "pass" : "fail"} (${str(obj(x.check).evidence)})`,
              )
              .join("\n"),
          ),
        ]);
      byItem.set(k, result);
    }
    b.runs.push({
      run: { method: input.method, label: input.label, seed: input.seed, source: input.source, results: [] },
      byItem,
    });
  }
  return b.build("trace", "TRACE", "every constraint scored 10 by the judge (paper eq. 3)");
}

/** The items of IFEval evaluations (`eval ifeval` folders: eval_results_strict.jsonl and eval_results_loose.jsonl). */
export function ifevalItems(inputs: readonly ItemRunInput[], warn: (w: string) => void): ItemsBenchmark {
  const b = new BenchmarkBuilder();
  for (const input of inputs) {
    const strictFile = join(input.dir, "eval_results_strict.jsonl");
    const looseFile = join(input.dir, "eval_results_loose.jsonl");
    if (!existsSync(strictFile)) {
      warn(`${input.source}: no eval_results_strict.jsonl; its items are not shown`);
      continue;
    }
    const loose = new Map<string, Obj>();
    if (existsSync(looseFile)) for (const r of readJsonObjects(looseFile)) loose.set(str(r.prompt), r);
    const byItem = new Map<number, ItemResult>();
    for (const row of readJsonObjects(strictFile)) {
      const prompt = str(row.prompt);
      const ids = arr(row.instruction_id_list).map(str);
      const k = b.item(`prompt:${prompt}`, () => ({
        n: ids.length,
        text: b.pool.add(prompt),
        cons: ids.map((x) => b.pool.add(x)),
        dims: ids.map((x) => b.dim(x.split(":")[0])),
      }));
      const l = loose.get(prompt);
      const bits = (v: unknown) => arr(v).map((x) => (x === true ? 1 : 0));
      byItem.set(k, {
        p: row.follow_all_instructions === true ? 1 : 0,
        r: b.pool.add(str(row.response)),
        st: bits(row.follow_instruction_list),
        ...(l ? { lo: bits(l.follow_instruction_list), pl: l.follow_all_instructions === true ? 1 : 0 } : {}),
      });
    }
    b.runs.push({
      run: { method: input.method, label: input.label, seed: input.seed, source: input.source, results: [] },
      byItem,
    });
  }
  // Prompts are their identity in IFEval result files; show a short id instead.
  b.items.forEach((it, i) => {
    it.id = `ifeval-${i + 1}`;
  });
  return b.build("ifeval", "IFEval", "every instruction followed (strict)");
}
