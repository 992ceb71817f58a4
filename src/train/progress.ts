import cliProgress from "cli-progress";

/** One-line summary of a trainer_log.jsonl row (non-TTY output and the progress bar's payload). */
export function formatLogRow(row: Record<string, unknown>): string {
  const n = (k: string, digits = 4) => (typeof row[k] === "number" ? (row[k] as number).toFixed(digits) : undefined);
  const parts = [`step ${row.step}/${row.total_steps}`];
  if ("eval_loss" in row) parts.push(`eval_loss ${n("eval_loss")}`);
  if ("loss" in row) parts.push(`loss ${n("loss")}`);
  // IOPO logs both halves (official _v1 = x1: y1 > y2, _v2 = x2: y2 > y1); show both, since one can go wrong unseen.
  const both = (key: string, name: string, digits: number) => {
    const v = row[key];
    const v1 = row[`${key}_v1`];
    const v2 = row[`${key}_v2`];
    if (typeof v === "number") parts.push(`${name} ${v.toFixed(digits)}`);
    else if (typeof v1 === "number" && typeof v2 === "number")
      parts.push(`${name} v1 ${v1.toFixed(digits)} v2 ${v2.toFixed(digits)}`);
    else if (typeof v1 === "number") parts.push(`${name} ${v1.toFixed(digits)}`);
  };
  both("rewards/accuracies", "acc", 3);
  both("rewards/margins", "margin", 4);
  // the online methods: GRPO's reward, PPO's reward-model score, the reward model's pair accuracy
  for (const [key, label] of [
    ["reward", "reward"],
    ["objective/scores", "score"],
    ["accuracy", "acc"],
    ["eval_reward", "eval_reward"],
  ] as const)
    if (typeof row[key] === "number") parts.push(`${label} ${(row[key] as number).toFixed(4)}`);
  if (typeof row.learning_rate === "number") parts.push(`lr ${(row.learning_rate as number).toExponential(2)}`);
  if (typeof row.tokens_per_second === "number") parts.push(`${Math.round(row.tokens_per_second as number)} tok/s`);
  if (typeof row.remaining_time === "number") parts.push(`eta ${Math.round(row.remaining_time as number)}s`);
  return parts.join("  ");
}

/** Progress display: a bar on a TTY, one line per logged row otherwise (logs stay readable in files). */
export class TrainingProgress {
  private bar: cliProgress.SingleBar | undefined;

  constructor(
    totalSteps: number,
    private readonly stream: NodeJS.WriteStream = process.stderr,
  ) {
    if (stream.isTTY) {
      this.bar = new cliProgress.SingleBar(
        { format: "{bar} {percentage}% | {status}", stream, hideCursor: true },
        cliProgress.Presets.shades_classic,
      );
      this.bar.start(totalSteps, 0, { status: "starting" });
    }
  }

  update(row: Record<string, unknown>): void {
    if (this.bar) this.bar.update(Number(row.step), { status: formatLogRow(row) });
    else this.stream.write(`${formatLogRow(row)}\n`);
  }

  stop(): void {
    this.bar?.stop();
  }
}
