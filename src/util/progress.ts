import cliProgress from "cli-progress";

/**
 * Progress for long jobs, generic over named counters (rows, tokens, retries, rate_limited, cost...), so the data
 * engine and the trainer share it. On a TTY: one bar per task. Otherwise (CI, pipes): one JSON line on stderr per
 * task every `intervalMs` and when the task ends, e.g.
 *   {"progress":"expand","done":40,"total":100,"counters":{"prompt_tokens":1200,...},"elapsed_s":3.2}
 */

export type Counters = Record<string, number>;

export interface ProgressOptions {
  /** Force TTY or JSON mode; default: whether the stream is a TTY. */
  tty?: boolean;
  /** Where bars and JSON lines go (default process.stderr). */
  stream?: NodeJS.WriteStream | { write(s: string): unknown; isTTY?: boolean };
  intervalMs?: number;
  /** Counters shown on the bar, in order (others are still counted and reported). */
  barCounters?: string[];
  /** Short names for counters on the bar (e.g. {rate_limited: "429"}); JSON lines keep the full names. */
  barLabels?: Record<string, string>;
  /** Suppress all output (tests, library use); counters still accumulate. */
  silent?: boolean;
  /** Clock, injectable for tests. */
  now?: () => number;
}

export interface TaskSnapshot {
  name: string;
  done: number;
  total: number;
  counters: Counters;
  elapsed_s: number;
}

export class Progress {
  private readonly tasks = new Map<string, Task>();
  private readonly tty: boolean;
  private readonly stream: NonNullable<ProgressOptions["stream"]>;
  private readonly intervalMs: number;
  private readonly barCounters: string[];
  private readonly barLabels: Record<string, string>;
  private readonly silent: boolean;
  private readonly now: () => number;
  private multibar?: cliProgress.MultiBar;

  constructor(options: ProgressOptions = {}) {
    this.stream = options.stream ?? process.stderr;
    this.tty = options.tty ?? Boolean((this.stream as { isTTY?: boolean }).isTTY);
    this.intervalMs = options.intervalMs ?? 5000;
    this.barCounters = options.barCounters ?? [];
    this.barLabels = options.barLabels ?? {};
    this.silent = options.silent ?? false;
    this.now = options.now ?? Date.now;
  }

  /** Begin (or re-begin) a task with `total` units; `done` may start above 0 when resuming. */
  start(name: string, total: number, done = 0): Task {
    const task = new Task(this, name, total, done, this.now(), this.now);
    this.tasks.set(name, task);
    if (!this.silent && this.tty) {
      this.multibar ??= new cliProgress.MultiBar(
        {
          format: `{name} [{bar}] {value}/{total} {counters}`,
          barsize: 20,
          stream: this.stream as NodeJS.WriteStream,
          hideCursor: true,
          clearOnComplete: false,
          forceRedraw: true,
        },
        cliProgress.Presets.shades_classic,
      );
      task.bar = this.multibar.create(total, done, { name: name.padEnd(10), counters: "" });
    }
    return task;
  }

  /** The task with this name, if started (e.g. to count retries reported by the LLM layer for a stage). */
  task(name: string): Task | undefined {
    return this.tasks.get(name);
  }

  snapshot(): TaskSnapshot[] {
    return [...this.tasks.values()].map((t) => t.snapshot());
  }

  /** Stop all bars (call once at the end, before printing a summary). */
  stop(): void {
    this.multibar?.stop();
    this.multibar = undefined;
  }

  /** @internal */
  render(task: Task, final: boolean, force = false): void {
    if (this.silent) return;
    if (this.tty) {
      task.bar?.update(task.done, { counters: this.formatCounters(task.counters) });
      return;
    }
    const t = this.now();
    if (!final && !force && t - task.lastEmit < this.intervalMs) return;
    task.lastEmit = t;
    const s = task.snapshot();
    this.stream.write(
      `${JSON.stringify({ progress: s.name, done: s.done, total: s.total, counters: s.counters, elapsed_s: s.elapsed_s, ...(final ? { finished: true } : {}) })}\n`,
    );
  }

  private formatCounters(c: Counters): string {
    return this.barCounters
      .filter((k) => c[k] !== undefined)
      .map((k) => `${this.barLabels[k] ?? k}=${Number.isInteger(c[k]) ? c[k] : c[k].toFixed(4)}`)
      .join(" ");
  }
}

export class Task {
  readonly counters: Counters = {};
  /** @internal */
  bar?: cliProgress.SingleBar;
  /** @internal */
  lastEmit: number;

  constructor(
    private readonly owner: Progress,
    readonly name: string,
    public total: number,
    public done: number,
    private readonly startedAt: number,
    private readonly now: () => number = Date.now,
  ) {
    this.lastEmit = startedAt;
  }

  /** Add to named counters (e.g. `{prompt_tokens: 120, retries: 1}`) without advancing. */
  count(delta: Counters): void {
    for (const [k, v] of Object.entries(delta)) this.counters[k] = (this.counters[k] ?? 0) + v;
    this.owner.render(this, false);
  }

  /** Advance by `units` and add counters. */
  advance(units = 1, delta: Counters = {}): void {
    this.done += units;
    this.count(delta);
  }

  finish(): void {
    this.owner.render(this, true);
  }

  /** Report the task now (a JSON line even within `intervalMs` of the last one), e.g. as soon as it starts. */
  emit(): void {
    this.owner.render(this, false, true);
  }

  snapshot(): TaskSnapshot {
    const elapsed = (this.now() - this.startedAt) / 1000;
    return {
      name: this.name,
      done: this.done,
      total: this.total,
      counters: { ...this.counters },
      elapsed_s: Math.round(elapsed * 10) / 10,
    };
  }
}
