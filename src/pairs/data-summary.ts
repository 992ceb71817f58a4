import { existsSync } from "node:fs";
import { readJsonl } from "../data/jsonl.js";
import type { IopoGroup } from "../data/schemas.js";
import {
  compareCounts,
  countsOf,
  DEFAULT_COUNT_SPEC,
  formatCountComparison,
  loadCountDistribution,
} from "../trace/constraint-counts.js";
import { statsOfFile } from "../trace/stats.js";
import { formatGroupMix } from "./iopo-builder.js";

export interface DataSummaryOptions {
  /** TRACE records (trace.jsonl of `trace build`). */
  traceFile: string;
  /** IOPO groups (iopo_groups.jsonl of `pairs iopo`), when built. */
  groupsFile?: string;
  /** DPO pairs (dpo_pairs.jsonl of `pairs dpo`), when built. */
  pairsFile?: string;
  /** The count distribution to compare with (default paper-train: Table 2, training row). */
  reference?: string;
}

/**
 * What a run's preference data looks like beside the paper's, as text lines for a summary (the demo, the
 * experiment): the constraints per instruction of the records next to Table 2's training row (shares, means,
 * total variation distance), the kept IOPO groups by operation and by which cross pairs fail, and the DPO pairs
 * with what the optional worse-answer filter drops or would drop.
 */
export function dataSummary(o: DataSummaryOptions): string[] {
  const stats = statsOfFile(o.traceFile);
  const reference = loadCountDistribution(o.reference ?? DEFAULT_COUNT_SPEC);
  const lines = formatCountComparison(compareCounts(countsOf("records", stats.by_constraints_num), reference));
  if (o.groupsFile && existsSync(o.groupsFile)) {
    const groups = readJsonl(o.groupsFile, undefined, { allowEmpty: true }).map((r) => r.value as IopoGroup);
    lines.push("", ...formatGroupMix(groups));
  }
  if (o.pairsFile && existsSync(o.pairsFile)) {
    const pairs = readJsonl(o.pairsFile, undefined, { allowEmpty: true }).map(
      (r) => r.value as { would_drop?: unknown },
    );
    const marked = pairs.filter((p) => "would_drop" in p);
    const drop = marked.filter((p) => p.would_drop !== null).length;
    lines.push(
      "",
      marked.length === pairs.length
        ? `DPO pairs: ${pairs.length} kept (every worse answer, as appendix C); --filter-worse would drop ${drop}`
        : `DPO pairs: ${pairs.length} kept (built with --filter-worse)`,
    );
  }
  return lines;
}
