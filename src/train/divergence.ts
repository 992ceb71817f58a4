/**
 * The divergence watch of the training loop: a run can go wrong without any NaN. At a learning rate far too high
 * the loss jumps by orders of magnitude, then the model collapses to a constant output (SFT: the uniform
 * distribution, loss = ln(vocab)) whose gradient is exactly zero, and training would go on "successfully".
 *
 * Every optimizer step is one observation (its loss and its gradient norm before clipping):
 *   spike     loss > factor x median(last `window` good losses) and loss > median + 1 (one nat: near-zero
 *             preference losses that go from 0.001 to 0.05 are noise, not divergence)
 *   collapse  gradient norm exactly 0 (nothing is trainable any more: dead activations, or saturated outputs)
 * Good steps feed the median; bad ones do not, so a sustained divergence cannot raise its own baseline. The first
 * bad step of a streak is warned about; `patience` bad steps in a row are a sustained divergence.
 */
export interface DivergenceOptions {
  factor: number;
  window: number;
  patience: number;
}

export interface DivergenceState {
  /** The last good losses (oldest first), at most `window`. */
  recent: number[];
}

export interface Observation {
  /** Set on a spike or collapse. */
  bad?: string;
  /** Set on the first bad step of a streak: what to warn about. */
  warning?: string;
  /** Bad steps in a row so far (0 after a good step). */
  streak: number;
  /** Set when the streak reached the patience: why the run should stop. */
  sustained?: string;
}

const ONE_NAT = 1;

export class DivergenceMonitor {
  private recent: number[];
  streak = 0;
  private firstBad: string | undefined;

  constructor(
    readonly options: DivergenceOptions,
    state?: DivergenceState,
  ) {
    this.recent = state ? state.recent.slice(-options.window) : [];
  }

  /** What a checkpoint keeps, so that a resumed run watches exactly as an uninterrupted one. */
  state(): DivergenceState {
    return { recent: [...this.recent] };
  }

  /** The median of the recent good losses (undefined before the first good step). */
  median(): number | undefined {
    if (this.recent.length === 0) return undefined;
    const s = [...this.recent].sort((a, b) => a - b);
    const m = s.length >> 1;
    return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
  }

  /** One optimizer step (1-based `step`): its loss and pre-clipping gradient norm (both finite). */
  observe(step: number, loss: number, gradNorm: number): Observation {
    const { factor, window, patience } = this.options;
    const median = this.median();
    let bad: string | undefined;
    if (median !== undefined && loss > factor * median && loss > median + ONE_NAT)
      bad =
        `loss ${fmt(loss)} is ${fmt(loss / median)} x the median ${fmt(median)} of the last ${this.recent.length} ` +
        `good steps (divergence_factor ${factor})`;
    else if (gradNorm === 0)
      bad = `gradient norm 0 with loss ${fmt(loss)}: the model has collapsed (nothing it outputs depends on the trainable parameters any more)`;
    if (!bad) {
      this.streak = 0;
      this.firstBad = undefined;
      this.recent.push(loss);
      if (this.recent.length > window) this.recent.shift();
      return { streak: 0 };
    }
    this.streak++;
    const out: Observation = { bad, streak: this.streak };
    if (this.streak === 1) {
      this.firstBad = `step ${step}: ${bad}`;
      out.warning = `step ${step}: ${bad}`;
    }
    if (this.streak >= patience)
      out.sustained =
        `${this.streak} steps in a row with a loss spike or a zero gradient norm (divergence_patience ${patience}), ` +
        `the first at ${this.firstBad}`;
    return out;
  }
}

function fmt(x: number): string {
  return Math.abs(x) >= 1e4 || (Math.abs(x) < 1e-3 && x !== 0)
    ? x.toExponential(3)
    : Number(x.toPrecision(4)).toString();
}
