/**
 * Cost of the hybrid judge's rule checks on the 5,087 TRACE constraints, relative to a peer measured in the same
 * run: parsing the evaluation file's JSON lines (work every evaluation does anyway).
 * Run: npx tsx bench/eval-rules.ts
 */
import { readFileSync } from "node:fs";
import { checkConstraint, detectRules } from "../src/judge/rules/index.js";
import { bundledDataPath } from "../src/util/paths.js";

const lines = readFileSync(bundledDataPath("trace", "2024_trace_evaluation.jsonl"), "utf8").trim().split("\n");
const records = lines.map((l) => JSON.parse(l) as { constraints_splits: string[] });
const response = `## 标题\n\n${"这是一段用于测试的回答内容，包含一些文字。\n- 要点一\n- 要点二\n".repeat(20)}`;

function time(label: string, reps: number, fn: () => void): number {
  fn();
  const t = process.hrtime.bigint();
  for (let i = 0; i < reps; i++) fn();
  const ms = Number(process.hrtime.bigint() - t) / 1e6 / reps;
  console.log(`${label.padEnd(44)} ${ms.toFixed(2)} ms`);
  return ms;
}

const peer = time("peer: JSON.parse of 1,042 records", 20, () => {
  for (const l of lines) JSON.parse(l);
});
const detect = time("detectRules on 5,087 constraints", 5, () => {
  for (const r of records) for (const c of r.constraints_splits) detectRules(c);
});
const detected = records.flatMap((r) => r.constraints_splits.map((c) => detectRules(c)));
const check = time("checkConstraint (2.3 KB response) x 5,087", 5, () => {
  for (const d of detected) checkConstraint(d, response);
});
console.log(`ratio detect / peer: ${(detect / peer).toFixed(1)}x; check / peer: ${(check / peer).toFixed(1)}x`);
