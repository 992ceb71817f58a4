import type { ScoreArgs, ScoreSummary } from "./score-rows.js";

/**
 * `iopo score` as a library call: a reward model's scores of (prompt, response) rows, pairs and IOPO groups
 * (src/train/online/score-rows.ts). The engine module is imported on the call, so importing `iopo/train` does not
 * load ONNX Runtime.
 */
export async function scoreRows(args: ScoreArgs): Promise<{ rows: Record<string, unknown>[]; summary: ScoreSummary }> {
  const m = await import("./score-rows.js");
  return m.scoreRows(args);
}

export type { ScoreArgs, ScoreSummary };
