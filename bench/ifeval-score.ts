// Times IFEval scoring of the 541 GPT-4 conformance responses, strict and loose (the 8 loose variants make loose
// the expensive mode), and where the time goes per instruction id. Run: npx tsx bench/ifeval-score.ts [repeats]
import { readFileSync } from "node:fs";
import { evaluateResponse, type IfevalPrompt, looseVariants, type Mode } from "../src/eval/ifeval/evaluate.js";
import { buildInstruction } from "../src/eval/ifeval/registry.js";
import { CONFORMANCE_VERDICTS as file } from "../test/eval/ifeval/text/fixtures.js";

const records: (IfevalPrompt & { response: string })[] = readFileSync(file, "utf8")
  .split("\n")
  .filter((l) => l.trim())
  .map((l) => JSON.parse(l));
const repeats = Number(process.argv[2] ?? 3);

function time(mode: Mode): number {
  // One warm-up pass (JIT, regex compilation), then the best of `repeats` timed passes.
  for (const r of records) evaluateResponse(r, r.response, mode);
  let best = Number.POSITIVE_INFINITY;
  for (let k = 0; k < repeats; k++) {
    const t0 = performance.now();
    for (const r of records) evaluateResponse(r, r.response, mode);
    best = Math.min(best, performance.now() - t0);
  }
  return best;
}

const strictMs = time("strict");
const looseMs = time("loose");
const n = records.length;
console.log(`IFEval scoring, ${n} responses, best of ${repeats}`);
console.log(
  `strict           ${strictMs.toFixed(1).padStart(8)} ms  ${((n / strictMs) * 1000).toFixed(0).padStart(7)} responses/s`,
);
console.log(
  `loose            ${looseMs.toFixed(1).padStart(8)} ms  ${((n / looseMs) * 1000).toFixed(0).padStart(7)} responses/s`,
);
console.log(
  `strict + loose   ${(strictMs + looseMs).toFixed(1).padStart(8)} ms  ${((n / (strictMs + looseMs)) * 1000).toFixed(0).padStart(7)} responses/s`,
);
console.log(`loose / strict time ratio: ${(looseMs / strictMs).toFixed(2)}`);

// Per instruction id: time of its loose checks (build + all variants), the share of the loose total.
const perId = new Map<string, number>();
for (const r of records) {
  const variants = looseVariants(r.response);
  r.instruction_id_list.forEach((id, i) => {
    const t0 = performance.now();
    const inst = buildInstruction(id, r.kwargs[i]);
    for (const v of variants) if (v.trim()) inst.check(v);
    perId.set(id, (perId.get(id) ?? 0) + performance.now() - t0);
  });
}
const total = [...perId.values()].reduce((a, b) => a + b, 0);
console.log("\nloose time per instruction id (all variants checked, single pass):");
for (const [id, ms] of [...perId].sort((a, b) => b[1] - a[1]))
  console.log(`  ${id.padEnd(46)} ${ms.toFixed(1).padStart(8)} ms  ${((100 * ms) / total).toFixed(1).padStart(5)}%`);
