import { DataError } from "../../data/errors.js";
import { importRow } from "../../data/formats/load.js";
import { readJsonOrJsonl, writeJsonl } from "../../data/jsonl.js";
import type { ChatMessage } from "../../data/schemas.js";
import { rowToExample } from "../../model/chat-encoding.js";
import { DEFAULT_OVERLONG_POLICY, describeFit, fitScoring, type OverlongPolicy } from "../../model/context-fit.js";
import type { EngineOptions } from "../../model/decoder.js";
import { assertFilePath } from "../../util/path-error.js";
import { loadRewardModel } from "./reward-model.js";

/**
 * `iopo score --model-dir RM --input rows.jsonl`: the reward model's score of every (prompt, response) of a file.
 *   SFT / chat rows (`prompt` + `response`/`completion`, or `messages` ending with the assistant turn) -> `reward`
 *   preference rows (TRL/DPO `chosen`, `rejected`)                                  -> `reward_chosen`, `reward_rejected`
 *   IOPO groups (x1, y1, x2, y2)                  -> `reward_x1_y1`, `reward_x1_y2`, `reward_x2_y2`, `reward_x2_y1`
 * Output rows are the input rows plus those fields, in order. The summary has the mean reward and, for pairs (an IOPO
 * group counts as its two pairs x1: y1 > y2 and x2: y2 > y1), TRL RewardTrainer's `accuracy` and `margin`.
 * Every sequence is checked against the model's context (max_position_embeddings, or a smaller `maxLength`) before
 * any compute, as `iopo logprobs` does (src/model/context-fit.ts): a row with an over-long sequence is skipped (left
 * out of the output, with a warning naming file:line), truncated by the training rule, or refused (`onOverlong`).
 */
export interface ScoreArgs {
  model: string;
  data: string;
  output?: string;
  /** rows scored per engine call (default 64) */
  batchSize?: number;
  /** Token limit per sequence; default and upper bound: the model's max_position_embeddings. */
  maxLength?: number;
  /** What to do with a row whose prompt + response is over the limit. Default "skip". */
  onOverlong?: OverlongPolicy;
  engine?: EngineOptions;
  /** Warnings and the fit summary (default: stderr). */
  log?: (line: string) => void;
}

export interface ScoreSummary {
  rows: number;
  scores: number;
  mean_reward: number;
  /** pairs only */
  pairs?: number;
  accuracy?: number;
  margin?: number;
}

interface Item {
  prompt: ChatMessage[];
  response: string;
  field: string;
}

function itemsOf(value: unknown, file: string, line: number): { items: Item[]; pairs: [string, string][] } {
  const src = { file, line };
  const v = value as Record<string, unknown>;
  if (v && typeof v === "object" && "x1" in v && "x2" in v) {
    const g = importRow("iopo", v, src).row as {
      x1: { messages: ChatMessage[] };
      x2: { messages: ChatMessage[] };
      y1: string;
      y2: string;
    };
    return {
      items: [
        { prompt: g.x1.messages, response: g.y1, field: "reward_x1_y1" },
        { prompt: g.x1.messages, response: g.y2, field: "reward_x1_y2" },
        { prompt: g.x2.messages, response: g.y2, field: "reward_x2_y2" },
        { prompt: g.x2.messages, response: g.y1, field: "reward_x2_y1" },
      ],
      pairs: [
        ["reward_x1_y1", "reward_x1_y2"],
        ["reward_x2_y2", "reward_x2_y1"],
      ],
    };
  }
  if (v && typeof v === "object" && "chosen" in v && "rejected" in v) {
    const p = importRow("trl", v, src).row as { prompt: ChatMessage[]; chosen: string; rejected: string };
    return {
      items: [
        { prompt: p.prompt, response: p.chosen, field: "reward_chosen" },
        { prompt: p.prompt, response: p.rejected, field: "reward_rejected" },
      ],
      pairs: [["reward_chosen", "reward_rejected"]],
    };
  }
  const ex = rowToExample(value, file, line, true);
  return { items: [{ prompt: ex.conversation as ChatMessage[], response: ex.response!, field: "reward" }], pairs: [] };
}

export async function scoreRows(args: ScoreArgs): Promise<{ rows: Record<string, unknown>[]; summary: ScoreSummary }> {
  const log = args.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  // An unusable output path fails now, not after the compute.
  if (args.output) assertFilePath(args.output);
  const rows = readJsonOrJsonl(args.data);
  if (rows.length === 0) throw new DataError(args.data, undefined, undefined, "file has no rows");
  const parsed = rows.map((r) => itemsOf(r.value, args.data, r.line));
  const rm = await loadRewardModel(args.model, { ...args.engine, maxLength: args.maxLength });
  // Every sequence is checked against the model's context before any compute; a row is scored whole or not at all.
  const encoded = parsed.flatMap((p, i) =>
    p.items.map((it) => rm.encode(it, { file: args.data, line: rows[i]!.line })),
  );
  const fit = fitScoring(encoded, rm.limit, args.onOverlong ?? DEFAULT_OVERLONG_POLICY);
  for (const w of fit.report.warnings) log(`iopo score: warning: ${w}`);
  const fitSummary = describeFit(fit.report, "sequences");
  if (fitSummary) log(`iopo score: ${fitSummary}`);
  const sequencesOf: ({ ids: Int32Array; responseStart: number } | undefined)[][] = [];
  let at = 0;
  for (const p of parsed) {
    sequencesOf.push(fit.sequences.slice(at, at + p.items.length));
    at += p.items.length;
  }
  const kept = parsed.map((_, i) => i).filter((i) => sequencesOf[i]!.every((q) => q !== undefined));
  if (kept.length < rows.length)
    log(`iopo score: ${rows.length - kept.length} row(s) left out (a sequence of theirs is over ${rm.limit.source})`);
  const batch = args.batchSize ?? 64;
  const out: Record<string, unknown>[] = [];
  const all: number[] = [];
  let pairs = 0;
  let correct = 0;
  let margin = 0;
  for (let start = 0; start < kept.length; start += batch) {
    const chunk = kept.slice(start, start + batch);
    const scores = await rm.scoreSequences(chunk.flatMap((i) => sequencesOf[i]!.map((q) => q!)));
    let k = 0;
    for (const i of chunk) {
      const p = parsed[i]!;
      const row: Record<string, unknown> = { ...(rows[i]!.value as Record<string, unknown>) };
      for (const it of p.items) {
        row[it.field] = scores[k]!;
        all.push(scores[k++]!);
      }
      for (const [c, r] of p.pairs) {
        const d = (row[c] as number) - (row[r] as number);
        pairs++;
        if (d > 0) correct++;
        margin += d;
      }
      out.push(row);
    }
  }
  const summary: ScoreSummary = {
    rows: out.length,
    scores: all.length,
    mean_reward: all.length ? all.reduce((a, b) => a + b, 0) / all.length : Number.NaN,
  };
  if (pairs > 0) Object.assign(summary, { pairs, accuracy: correct / pairs, margin: margin / pairs });
  if (args.output) writeJsonl(args.output, out);
  return { rows: out, summary };
}
