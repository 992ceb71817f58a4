import { DataError } from "../../data/errors.js";
import { importRow } from "../../data/formats/load.js";
import { readJsonOrJsonl, writeJsonl } from "../../data/jsonl.js";
import type { ChatMessage } from "../../data/schemas.js";
import { rowToExample } from "../../model/chat-encoding.js";
import type { EngineOptions } from "../../model/decoder.js";
import { loadRewardModel } from "./reward-model.js";

/**
 * `iopo score --model RM --data rows.jsonl`: the reward model's score of every (prompt, response) of a file.
 *   SFT / chat rows (`prompt` + `response`/`completion`, or `messages` ending with the assistant turn) -> `reward`
 *   preference rows (TRL/DPO `chosen`, `rejected`)                                  -> `reward_chosen`, `reward_rejected`
 *   IOPO groups (x1, y1, x2, y2)                  -> `reward_x1_y1`, `reward_x1_y2`, `reward_x2_y2`, `reward_x2_y1`
 * Output rows are the input rows plus those fields, in order. The summary has the mean reward and, for pairs (an IOPO
 * group counts as its two pairs x1: y1 > y2 and x2: y2 > y1), TRL RewardTrainer's `accuracy` and `margin`.
 */
export interface ScoreArgs {
  model: string;
  data: string;
  output?: string;
  /** rows scored per engine call (default 64) */
  batchSize?: number;
  maxLength?: number;
  engine?: EngineOptions;
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
  const rows = readJsonOrJsonl(args.data);
  if (rows.length === 0) throw new DataError(args.data, undefined, undefined, "file has no rows");
  const parsed = rows.map((r) => itemsOf(r.value, args.data, r.line));
  const rm = await loadRewardModel(args.model, { ...args.engine, maxLength: args.maxLength });
  const batch = args.batchSize ?? 64;
  const out: Record<string, unknown>[] = [];
  const all: number[] = [];
  let pairs = 0;
  let correct = 0;
  let margin = 0;
  for (let start = 0; start < rows.length; start += batch) {
    const chunk = parsed.slice(start, start + batch);
    const scores = await rm.score(chunk.flatMap((p) => p.items));
    let k = 0;
    chunk.forEach((p, i) => {
      const row: Record<string, unknown> = { ...(rows[start + i]!.value as Record<string, unknown>) };
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
    });
  }
  const summary: ScoreSummary = {
    rows: rows.length,
    scores: all.length,
    mean_reward: all.reduce((a, b) => a + b, 0) / all.length,
  };
  if (pairs > 0) Object.assign(summary, { pairs, accuracy: correct / pairs, margin: margin / pairs });
  if (args.output) writeJsonl(args.output, out);
  return { rows: out, summary };
}
