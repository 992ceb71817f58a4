import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { readJournal } from "../data/jsonl.js";

/** Where a run writes: the kept rows, the rejects, the summary, and (for a chain) each stage's output. */
export interface RunFiles {
  final: string;
  rejects: string;
  summary: string;
  /** Per-stage call journals (resume). */
  journalDir: string;
  stagesDir?: string;
}

/** A run folder: the kept rows under `finalName`, plus rejects.jsonl, summary.json, journal/ and each stage's output. */
export function runFolderFiles(dir: string, finalName: string): RunFiles {
  return {
    final: join(dir, finalName),
    rejects: join(dir, "rejects.jsonl"),
    summary: join(dir, "summary.json"),
    journalDir: join(dir, "journal"),
    stagesDir: join(dir, "stages"),
  };
}

/** A single stage writing `--output FILE`: its rejects, summary and journal sit beside the file. */
export function singleStageFiles(output: string): RunFiles {
  const base = output.replace(/\.jsonl$/, "");
  return {
    final: output,
    rejects: `${base}.rejects.jsonl`,
    summary: `${base}.summary.json`,
    journalDir: `${base}.journal`,
  };
}

/**
 * What the stage journals in `journalDir` hold (the work a rerun resumes from): per stage, the rows with at least
 * one journaled reply, over all its journals (`<stage>.<signature>.jsonl`; a journal whose signature no longer
 * matches - another model or template - is not replayed, so these are upper bounds). Empty if there is no journal.
 */
export function journaledRows(journalDir: string): { stage: string; rows: number }[] {
  if (!existsSync(journalDir)) return [];
  const byStage = new Map<string, Set<string>>();
  // in the order the journals were started, which is the order of the stages
  const created = (name: string) => {
    const st = statSync(join(journalDir, name));
    return st.birthtimeMs || st.mtimeMs;
  };
  const names = readdirSync(journalDir).sort();
  const order = new Map(names.map((n) => [n, created(n)]));
  names.sort((a, b) => order.get(a)! - order.get(b)!);
  for (const name of names) {
    const m = /^(.+)\.[^.]+\.jsonl$/.exec(name);
    if (!m) continue;
    const ids = byStage.get(m[1]) ?? new Set<string>();
    for (const e of readJournal<{ id?: unknown }>(join(journalDir, name))) if (typeof e.id === "string") ids.add(e.id);
    if (ids.size > 0) byStage.set(m[1], ids);
  }
  return [...byStage].map(([stage, ids]) => ({ stage, rows: ids.size }));
}
