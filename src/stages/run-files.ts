import { join } from "node:path";

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
