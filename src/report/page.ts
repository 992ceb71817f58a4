import type {
  ItemResult,
  ItemsBenchmark,
  ReportData,
  ResultsSection,
  TrainingChart,
  TrainingRun,
  TrainingSection,
} from "./model.js";
import type {
  IntersectionCtor,
  PageDocument,
  PageElement,
  PageWindow,
  ResizeCtor,
  UPlotInstance,
  UPlotStatic,
} from "./page-dom.js";

declare const document: PageDocument;
declare const window: PageWindow;
declare const uPlot: UPlotStatic;
declare const IntersectionObserver: IntersectionCtor;
declare const ResizeObserver: ResizeCtor;

/**
 * The report page's script. It runs in the browser, not in Node: src/report/html.ts embeds its source
 * (`reportPage.toString()`) after the bundled uPlot, so it must stay self-contained (no imports at run time, no use
 * of anything outside this function but the browser and uPlot).
 *
 * Safety: every text from the run folders (model outputs, judge texts, labels, paths) reaches the page only as
 * text - `textContent`, `document.createTextNode` through `append`, attribute values - never as markup. The data
 * sits in a non-executed `<script type="application/json">` (or gzip+base64 for large runs) and is read with
 * JSON.parse.
 *
 * Speed: the data is parsed once; charts are drawn when they scroll into view; the items browser renders one page
 * of rows at a time and an item's detail only when opened.
 */
export function reportPage(): void {
  const started = performance.now();
  const PALETTE = [
    "#4e79a7",
    "#f28e2b",
    "#e15759",
    "#76b7b2",
    "#59a14f",
    "#edc948",
    "#b07aa1",
    "#ff9da7",
    "#9c755f",
    "#bab0ac",
    "#1f77b4",
    "#d62728",
  ];
  const TYPE_COLORS: Record<string, string> = {
    Content: "#4e79a7",
    Situation: "#f28e2b",
    Style: "#59a14f",
    Format: "#b07aa1",
    Example: "#e15759",
    Unknown: "#bab0ac",
  };
  /** Longest text put on the page at once; the rest behind a button. */
  const TEXT_LIMIT = 20000;
  const PAGE_SIZE = 50;

  type Props = {
    class?: string;
    text?: string;
    title?: string;
    on?: Record<string, (ev: { key?: string; target: unknown; preventDefault(): void }) => void>;
    data?: Record<string, string>;
    attrs?: Record<string, string>;
  };

  /** An element with text children only through text nodes (append of strings) and properties set as properties. */
  function h(tag: string, props: Props | null = null, ...kids: (PageElement | string | null | undefined)[]) {
    const el = document.createElement(tag);
    if (props) {
      if (props.class) el.className = props.class;
      if (props.text !== undefined) el.textContent = props.text;
      if (props.title !== undefined) el.title = props.title;
      if (props.on) for (const [k, f] of Object.entries(props.on)) el.addEventListener(k, f);
      if (props.data) for (const [k, v] of Object.entries(props.data)) el.dataset[k] = v;
      if (props.attrs) for (const [k, v] of Object.entries(props.attrs)) el.setAttribute(k, v);
    }
    for (const k of kids) if (k !== null && k !== undefined) el.append(k);
    return el;
  }

  const fmt = (v: number | null | undefined, digits = 2) =>
    v === null || v === undefined || !Number.isFinite(v) ? "–" : v.toFixed(digits);
  const int = (v: number) => v.toLocaleString("en-US");

  /** A long text as a <pre>, cut at TEXT_LIMIT characters with a button that shows the rest. */
  function longText(s: string, cls = "text") {
    const pre = h("pre", { class: cls });
    if (s.length <= TEXT_LIMIT) {
      pre.textContent = s;
      return pre;
    }
    pre.textContent = s.slice(0, TEXT_LIMIT);
    const more = h("button", {
      class: "more",
      text: `show all ${int(s.length)} characters`,
      on: {
        click: () => {
          pre.textContent = s;
          more.remove();
        },
      },
    });
    return h("div", null, pre, more);
  }

  /** Run `draw` the first time `el` comes near the viewport. */
  const pending = new Map<PageElement, () => void>();
  const observer = new IntersectionObserver(
    (entries) => {
      for (const e of entries) {
        if (!e.isIntersecting) continue;
        const draw = pending.get(e.target);
        observer.unobserve(e.target);
        pending.delete(e.target);
        if (draw) draw();
      }
    },
    { rootMargin: "200px" },
  );
  function lazy(el: PageElement, draw: () => void) {
    pending.set(el, draw);
    observer.observe(el);
  }

  /** Charts that follow the width of their box. */
  const sized = new Map<PageElement, UPlotInstance>();
  const resizer = new ResizeObserver((entries) => {
    for (const e of entries) {
      const u = sized.get(e.target);
      const w = e.target.clientWidth;
      if (u && w > 0) u.setSize({ width: w, height: Number(e.target.dataset.height ?? 260) });
    }
  });

  /** A chart box: drawn by `make` when visible; marked data-drawn for tests and users' scripts. */
  function chartBox(title: string, height: number, make: (box: PageElement, width: number) => UPlotInstance) {
    const box = h("div", { class: "chart", data: { chart: title, height: String(height) } });
    box.style.minHeight = `${height + 40}px`;
    lazy(box, () => {
      const u = make(box, Math.max(300, box.clientWidth));
      sized.set(box, u);
      resizer.observe(box);
      box.style.minHeight = "";
      box.dataset.drawn = "1";
    });
    return box;
  }

  /** A number for an axis tick or the legend: exponent form for tiny magnitudes (learning rates), else up to 6 digits. */
  const num = (v: number | null | undefined) =>
    v === null || v === undefined
      ? "--"
      : v !== 0 && Math.abs(v) < 1e-3
        ? v.toExponential(2)
        : String(Number(v.toPrecision(6)));
  const ticks = (_u: unknown, splits: number[]) => {
    const tiny = splits.every((v) => v === 0 || Math.abs(v) < 1e-3);
    return splits.map((v) => (tiny && v !== 0 ? v.toExponential(1) : String(Number(v.toPrecision(6)))));
  };

  function lineChart(
    box: PageElement,
    width: number,
    o: {
      title: string;
      x: number[];
      /** Ticks at exactly these x values (e.g. whole numbers of constraints). */
      xSplits?: number[];
      xLabel: string;
      series: { label: string; values: (number | null)[]; color: string; dash?: number[]; points?: boolean }[];
      sync?: string;
      height: number;
    },
  ) {
    return new uPlot(
      {
        title: o.title,
        width,
        height: o.height,
        scales: { x: { time: false } },
        series: [
          { label: o.xLabel },
          ...o.series.map((s) => ({
            label: s.label,
            stroke: s.color,
            width: 1.5,
            spanGaps: true,
            value: (_u: unknown, v: number | null) => num(v),
            ...(s.dash ? { dash: s.dash } : {}),
            points: { show: s.points === true, size: 5, fill: s.color },
          })),
        ],
        axes: [
          { label: o.xLabel, ...(o.xSplits ? { splits: () => o.xSplits } : {}) },
          { size: 64, values: ticks },
        ],
        legend: { live: true },
        ...(o.sync ? { cursor: { sync: { key: o.sync } } } : {}),
      },
      [o.x, ...o.series.map((s) => s.values)],
      box,
    );
  }

  /** Vertical bars (one per label) with optional error bars (mean +- err) and dots (one per seed). */
  function barChart(
    box: PageElement,
    width: number,
    o: {
      title: string;
      labels: string[];
      values: (number | null)[];
      colors: string[];
      errors?: (number | null)[];
      dots?: number[][];
      unit: string;
      height: number;
    },
  ) {
    const xs = o.labels.map((_, i) => i);
    const all = [
      ...o.values.filter((v): v is number => v !== null),
      ...(o.dots ?? []).flat(),
      ...o.values.map((v, i) => (v === null ? 0 : v + (o.errors?.[i] ?? 0))),
    ];
    const lo = Math.min(0, ...all);
    const hi = Math.max(o.unit === "%" ? 0 : 1e-9, ...all);
    return new uPlot(
      {
        title: o.title,
        width,
        height: o.height,
        scales: {
          x: { time: false, range: () => [-0.5, o.labels.length - 0.5] },
          y: { range: () => [lo, hi === lo ? lo + 1 : hi + (hi - lo) * 0.08] },
        },
        series: [
          { label: "method" },
          {
            label: o.title,
            width: 0,
            fill: "#4e79a7",
            paths: uPlot.paths.bars({
              size: [0.65, 80],
              disp: { fill: { unit: 3, values: () => o.colors } },
            }),
            points: { show: false },
          },
        ],
        axes: [
          {
            splits: () => xs,
            values: (_u: unknown, splits: number[]) => splits.map((i) => o.labels[i] ?? ""),
            rotate: o.labels.some((l) => l.length > 8) ? -25 : 0,
            size: o.labels.some((l) => l.length > 8) ? 70 : 40,
            grid: { show: false },
          },
          { label: o.unit, size: 56 },
        ],
        legend: { show: false },
        cursor: { show: false },
        hooks: {
          draw: [
            (u: UPlotInstance) => {
              const ctx = u.ctx;
              const px = (window as { devicePixelRatio?: number }).devicePixelRatio ?? 1;
              ctx.save();
              ctx.lineWidth = 1.5 * px;
              ctx.strokeStyle = "#222";
              ctx.fillStyle = "#222";
              o.values.forEach((v, i) => {
                const x = u.valToPos(i, "x", true);
                const e = o.errors?.[i];
                if (v !== null && e !== null && e !== undefined && e > 0) {
                  const y0 = u.valToPos(v - e, "y", true);
                  const y1 = u.valToPos(v + e, "y", true);
                  const cap = 6 * px;
                  ctx.beginPath();
                  ctx.moveTo(x, y0);
                  ctx.lineTo(x, y1);
                  ctx.moveTo(x - cap, y0);
                  ctx.lineTo(x + cap, y0);
                  ctx.moveTo(x - cap, y1);
                  ctx.lineTo(x + cap, y1);
                  ctx.stroke();
                }
                for (const d of o.dots?.[i] ?? []) {
                  ctx.beginPath();
                  ctx.arc(x + 10 * px, u.valToPos(d, "y", true), 2.5 * px, 0, 2 * Math.PI);
                  ctx.fill();
                }
              });
              ctx.restore();
            },
          ],
        },
      },
      [xs, o.values],
      box,
    );
  }

  /** Horizontal bars (long category names down the left). */
  function hbarChart(
    box: PageElement,
    width: number,
    o: { title: string; labels: string[]; values: number[]; colors: string[]; unit: string; height: number },
  ) {
    const xs = o.labels.map((_, i) => i);
    const hi = Math.max(1e-9, ...o.values);
    return new uPlot(
      {
        title: o.title,
        width,
        height: o.height,
        scales: {
          x: { time: false, ori: 1, dir: -1, range: () => [-0.5, o.labels.length - 0.5] },
          y: { ori: 0, dir: 1, range: () => [0, hi * 1.08] },
        },
        series: [
          { label: "dimension" },
          {
            label: o.unit,
            width: 0,
            fill: "#4e79a7",
            paths: uPlot.paths.bars({ size: [0.75, 40], disp: { fill: { unit: 3, values: () => o.colors } } }),
            points: { show: false },
          },
        ],
        axes: [
          {
            side: 3,
            splits: () => xs,
            values: (_u: unknown, splits: number[]) => splits.map((i) => o.labels[i] ?? ""),
            size: Math.min(380, 24 + 7 * Math.max(...o.labels.map((l) => l.length))),
            grid: { show: false },
          },
          { side: 2, label: o.unit },
        ],
        legend: { show: false },
        cursor: { show: false },
      },
      [xs, o.values],
      box,
    );
  }

  // ---- the data -----------------------------------------------------------------------------------------------

  const timing: Record<string, number> = {};
  const mark = (name: string) => {
    timing[name] = Math.round(performance.now() - started);
  };

  async function readData(): Promise<ReportData> {
    const gz = document.getElementById("report-data-gz");
    let text: string;
    if (gz) {
      const bin = atob(gz.textContent ?? "");
      const bytes = new Uint8Array(bin.length);
      for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
      mark("decoded");
      const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"));
      text = await new Response(stream).text();
      mark("inflated");
    } else text = document.getElementById("report-data")?.textContent ?? "null";
    const data = JSON.parse(text) as ReportData;
    mark("parsed");
    return data;
  }

  function methodColors(d: ReportData): Map<string, string> {
    const ids: string[] = [];
    const add = (id: string | undefined) => {
      if (id !== undefined && !ids.includes(id)) ids.push(id);
    };
    for (const m of d.results?.methods ?? []) add(m.id);
    for (const b of d.items?.benchmarks ?? []) for (const r of b.runs) add(r.method);
    for (const r of d.training?.runs ?? []) add(r.method ?? r.label);
    return new Map(ids.map((id, i) => [id, PALETTE[i % PALETTE.length]]));
  }

  // ---- page frame ---------------------------------------------------------------------------------------------

  function header(d: ReportData, sections: [string, string][]) {
    const nav = h("nav", null, ...sections.map(([id, name]) => h("a", { text: name, attrs: { href: `#${id}` } })));
    const sources = h(
      "details",
      { class: "sources" },
      h("summary", { text: `${d.sources.length} folder${d.sources.length === 1 ? "" : "s"} read` }),
      h(
        "table",
        null,
        ...d.sources.map((s) =>
          h(
            "tr",
            null,
            h("td", { class: "mono", text: s.path }),
            h("td", { text: s.kind }),
            h("td", { text: s.note ?? "" }),
          ),
        ),
      ),
    );
    const warnings = d.warnings.length
      ? h(
          "details",
          { class: "warnings" },
          h("summary", { text: `${d.warnings.length} warning${d.warnings.length === 1 ? "" : "s"}` }),
          h("ul", null, ...d.warnings.map((w) => h("li", { text: w }))),
        )
      : null;
    return [
      h(
        "header",
        null,
        h("h1", { text: d.title }),
        h("div", { class: "meta", text: `written ${d.created} by iopo ${d.version}` }),
        sources,
        warnings,
      ),
      nav,
    ];
  }

  function section(id: string, title: string, intro: string, ...kids: (PageElement | null)[]) {
    return h("section", { attrs: { id } }, h("h2", { text: title }), h("p", { class: "intro", text: intro }), ...kids);
  }

  function table(head: string[], rows: (string | PageElement)[][], cls = "grid") {
    return h(
      "table",
      { class: cls },
      h("thead", null, h("tr", null, ...head.map((x) => h("th", { text: x })))),
      h(
        "tbody",
        null,
        ...rows.map((r) => h("tr", null, ...r.map((c) => (typeof c === "string" ? h("td", { text: c }) : c)))),
      ),
    );
  }

  // ---- 1. Data ------------------------------------------------------------------------------------------------

  function dataSection(d: ReportData) {
    const s = d.data!;
    const parts: PageElement[] = [];
    for (const st of s.stats) {
      const t = st.stats;
      const t1 = table(
        ["", ""],
        [
          ["instructions", int(t.n)],
          ["constraints (total)", int(t.constraints_total)],
          ["constraints min / max", `${t.constraints_min} / ${t.constraints_max}`],
          ["constraints per instruction", t.constraints_avg.toFixed(2)],
          ["IF-S (1 constraint)", int(t.splits["IF-S"])],
          ["IF-M (2 or more)", int(t.splits["IF-M"])],
        ],
        "grid kv",
      );
      const nums = Object.keys(t.by_constraints_num);
      const t2 = table(
        ["constraints", ...nums],
        [["instructions", ...nums.map((k) => int(t.by_constraints_num[k]))]],
        "grid small",
      );
      const types = table(
        ["type", "constraints", "share"],
        Object.entries(t.by_type).map(([k, v]) => {
          const sw = h("span", { class: "swatch" });
          sw.style.background = TYPE_COLORS[k] ?? "#999";
          return [h("td", null, sw, k), int(v), `${(t.by_type_share[k] ?? 0).toFixed(1)}%`];
        }),
        "grid small",
      );
      const dims = Object.entries(t.by_dimension_share);
      const chart =
        t.labelled_constraints > 0
          ? chartBox(`dimensions: ${st.label}`, Math.max(220, dims.length * 18 + 60), (box, w) =>
              hbarChart(box, w, {
                title: `Share of constraints by dimension (${int(t.labelled_constraints)} labelled)`,
                labels: dims.map(([k]) => k),
                values: dims.map(([, v]) => v),
                colors: dims.map(([k]) => TYPE_COLORS[s.dimension_types[k] ?? "Unknown"] ?? "#999"),
                unit: "% of constraints",
                height: Math.max(220, dims.length * 18 + 60),
              }),
            )
          : h("p", { class: "note", text: "no levels2 labels in this file: no distribution by dimension" });
      parts.push(
        h(
          "div",
          { class: "card" },
          h("h3", { text: `TRACE statistics: ${st.label}` }),
          h(
            "div",
            { class: "row" },
            h("div", null, h("h4", { text: "Table 1: size" }), t1),
            h(
              "div",
              null,
              h("h4", { text: "Table 2: instructions by number of constraints" }),
              t2,
              h("h4", { text: "Constraint types" }),
              types,
            ),
          ),
          chart,
        ),
      );
    }
    for (const f of s.funnels) {
      const max = Math.max(1, ...f.stages.map((x) => x.rows_in));
      const rows = f.stages.map((x) => {
        const bar = h("div", { class: "funnel" });
        const kept = h("span", { class: "kept" });
        kept.style.width = `${(100 * x.rows_out) / max}%`;
        const rej = h("span", { class: "rejected" });
        rej.style.width = `${(100 * x.rejected) / max}%`;
        bar.append(kept, rej);
        const reasons = Object.entries(x.reasons)
          .map(([k, v]) => `${k} ×${v}`)
          .join(", ");
        const extra = [
          x.parse_failures ? `parse failures ${x.parse_failures}` : "",
          x.call_failures ? `call failures ${x.call_failures}` : "",
        ].filter(Boolean);
        return [
          x.stage,
          int(x.rows_in),
          int(x.rows_out),
          int(x.rejected),
          h("td", { class: "barcell" }, bar),
          [reasons, ...extra].filter(Boolean).join("; "),
        ];
      });
      parts.push(
        h(
          "div",
          { class: "card" },
          h("h3", { text: `${f.job}: ${f.label}` }),
          h("p", {
            class: "note",
            text: `${int(f.rows_in)} rows in, ${int(f.rows_out)} kept, ${int(f.rejected)} rejected; ${int(f.calls)} calls, ${int(f.prompt_tokens + f.completion_tokens)} tokens.`,
          }),
          table(["stage", "in", "kept", "rejected", "kept / rejected", "rejected by reason"], rows),
        ),
      );
    }
    for (const op of s.operations) {
      const total = Object.values(op.mix).reduce((a, b) => a + b, 0);
      const bar = h("div", { class: "stack" });
      const legend = h("div", { class: "legend" });
      Object.entries(op.mix).forEach(([k, v], i) => {
        const seg = h("span", { title: `${k}: ${v}` });
        seg.style.width = total ? `${(100 * v) / total}%` : "0";
        seg.style.background = PALETTE[i % PALETTE.length];
        bar.append(seg);
        const sw = h("span", { class: "swatch" });
        sw.style.background = PALETTE[i % PALETTE.length];
        legend.append(h("span", null, sw, `${k} ${v}${total ? ` (${((100 * v) / total).toFixed(0)}%)` : ""}`));
      });
      parts.push(
        h(
          "div",
          { class: "card" },
          h("h3", { text: `IOPO operation mix: ${op.label}` }),
          h("p", {
            class: "note",
            text: `How x2 was made from x1 in the ${total} kept groups (${op.from === "summary" ? "from summary.json" : "counted in iopo_groups.jsonl"}). A pure ADD or DELETE carries no input preference and fails the rationality check, so kept ADD/DELETE groups also change what a constraint demands.`,
          }),
          bar,
          legend,
        ),
      );
    }
    return section(
      "data",
      "1. Data",
      "What the data engine built: the paper's Table 1/2 figures and the constraint distribution of each TRACE file, how many rows each stage kept and why it rejected the others, and how IOPO groups were made.",
      ...parts,
    );
  }

  // ---- 2. Training --------------------------------------------------------------------------------------------

  function trainingSection(t: TrainingSection, colors: Map<string, string>) {
    const shown = t.runs.map(() => true);
    const runColor = (r: TrainingRun, i: number) => colors.get(r.method ?? r.label) ?? PALETTE[i % PALETTE.length];
    const grid = h("div", { class: "charts" });
    const drawn: { box: PageElement; u: UPlotInstance; chart: TrainingChart }[] = [];

    function makeChart(box: PageElement, width: number, chart: TrainingChart) {
      const steps = new Set<number>();
      t.runs.forEach((r, i) => {
        if (shown[i]) for (const s of r[chart.table].step) steps.add(s);
      });
      const x = [...steps].sort((a, b) => a - b);
      const pos = new Map(x.map((s, i) => [s, i]));
      const series: { label: string; values: (number | null)[]; color: string; dash?: number[]; points?: boolean }[] =
        [];
      t.runs.forEach((r, i) => {
        if (!shown[i]) return;
        const tab = r[chart.table];
        for (const key of chart.keys) {
          const col = tab.cols[key];
          if (!col) continue;
          const values: (number | null)[] = x.map(() => null);
          tab.step.forEach((s, j) => {
            values[pos.get(s)!] = col[j];
          });
          series.push({
            label: `${r.label}${chart.keys.length > 1 ? ` ${key}` : ""}`,
            values,
            color: runColor(r, i),
            ...(key.endsWith("_v2") ? { dash: [6, 4] } : key.endsWith("_v1") ? {} : {}),
            points: chart.table === "eval" || tab.step.length < 30,
          });
        }
      });
      const u = lineChart(box, width, {
        title: chart.title,
        x,
        xLabel: "step",
        series,
        sync: "training",
        height: 240,
      });
      drawn.push({ box, u, chart });
      return u;
    }

    function redraw() {
      for (const d of drawn.splice(0)) {
        d.u.destroy();
        const u = makeChart(d.box, Math.max(300, d.box.clientWidth), d.chart);
        sized.set(d.box, u);
      }
    }

    for (const chart of t.charts) grid.append(chartBox(chart.title, 240, (box, w) => makeChart(box, w, chart)));
    const toggles = h(
      "div",
      { class: "toggles" },
      ...t.runs.map((r, i) => {
        const cb = h("input", { attrs: { type: "checkbox" } });
        cb.checked = true;
        cb.addEventListener("change", () => {
          shown[i] = cb.checked;
          redraw();
        });
        const sw = h("span", { class: "swatch" });
        sw.style.background = runColor(r, i);
        return h(
          "label",
          { title: r.source },
          cb,
          sw,
          `${r.label} (${r.last_step}${r.total_steps ? `/${r.total_steps}` : ""} steps)`,
        );
      }),
    );
    const hasV = t.charts.some((c) => c.keys.some((k) => /_v[12]$/.test(k)));
    return section(
      "training",
      "2. Training",
      "The trainer logs (TRL's names), every run overlaid; hover a chart to read all runs at that step.",
      h(
        "div",
        { class: "card note" },
        h("p", {
          text: "Reading the curves: rewards are beta x the log-ratio of policy to reference. In DPO-family training it is normal for the chosen reward to fall while the margin (chosen minus rejected) and the accuracy (share of pairs with a positive margin) rise: the policy pushes the rejected response down faster than the chosen one. Worry when the margin stops growing, the accuracy stays near 0.5, or logps/chosen collapses far below the reference (the model is losing its own good answers).",
        }),
        hasV
          ? h("p", {
              text: "IOPO logs two views of each group (the official trainer's names): _v1 for x1 (chosen y1, rejected y2; solid lines) and _v2 for x2 (chosen y2, rejected y1; dashed lines), on the same axes.",
            })
          : null,
        h("p", { text: "eval_ charts are the held-out split (val_size), logged every eval_steps." }),
      ),
      toggles,
      grid,
    );
  }

  // ---- 3. Results ---------------------------------------------------------------------------------------------

  function resultsSection(r: ResultsSection, colors: Map<string, string>) {
    const parts: PageElement[] = [];
    if (r.verdict.length)
      parts.push(
        h(
          "div",
          { class: "card verdict" },
          h("h3", { text: "Verdict" }),
          h("ul", null, ...r.verdict.map((v) => h("li", { text: v }))),
        ),
      );
    // The table: groups over metric columns, method rows.
    const groups: { name: string; n: number }[] = [];
    for (const m of r.metrics) {
      const last = groups[groups.length - 1];
      if (last && last.name === m.group) last.n++;
      else groups.push({ name: m.group, n: 1 });
    }
    const seeds = r.seeds.length;
    const headTop = h(
      "tr",
      null,
      h("th", { text: "" }),
      ...groups.map((g) => {
        const th = h("th", { text: g.name, class: "group" });
        th.colSpan = g.n;
        return th;
      }),
    );
    const headMetrics = h(
      "tr",
      null,
      h("th", { text: "method" }),
      ...r.metrics.map((m) =>
        h("th", {
          text: `${m.label}${m.unit ? ` (${m.unit})` : ""}`,
          title: `${m.description}${m.higher_is_better ? " (higher is better)" : " (lower is better)"}`,
        }),
      ),
    );
    const body = r.methods.map((method) => {
      const sw = h("span", { class: "swatch" });
      sw.style.background = colors.get(method.id) ?? "#999";
      const name = h(
        "td",
        { title: method.description },
        sw,
        method.label,
        method.kind === "start" ? h("span", { class: "tag", text: "start" }) : null,
      );
      return h(
        "tr",
        null,
        name,
        ...r.metrics.map((m) => {
          const s = r.summary[method.id]?.[m.id];
          if (!s) return h("td", { class: "num", text: "–" });
          const best = (r.best[m.id] ?? []).includes(method.id);
          const vals = (r.values[method.id]?.[m.id] ?? []).map((x) => `seed ${x.seed}: ${fmt(x.value)}`).join("\n");
          const cell = h(
            "td",
            {
              class: best ? "num best" : "num",
              title: `mean ${fmt(s.mean)}, std ${fmt(s.std)}, min ${fmt(s.min)}, max ${fmt(s.max)}, n ${s.n}${vals ? `\n${vals}` : ""}`,
            },
            fmt(s.mean),
            s.n > 1 ? h("span", { class: "spread", text: ` ± ${fmt(s.std)}` }) : null,
            best ? h("span", { class: "star", text: " ★" }) : null,
          );
          if (s.n > 1 && seeds > 0 && s.n < seeds) cell.append(h("span", { class: "spread", text: ` (n=${s.n})` }));
          return cell;
        }),
      );
    });
    parts.push(
      h(
        "div",
        { class: "card" },
        h("h3", { text: "Method × metric" }),
        h("p", {
          class: "note",
          text:
            r.from === "experiment"
              ? `Mean ± sample standard deviation over ${seeds} seed${seeds === 1 ? "" : "s"} (${r.seeds.join(", ")}); ★ marks the best mean of each column (ties all marked). Hover a cell for min, max and every seed.`
              : "One evaluation folder per row (no seeds); ★ marks the best value of each column.",
        }),
        h(
          "div",
          { class: "scroll" },
          h("table", { class: "grid results" }, h("thead", null, headTop, headMetrics), h("tbody", null, ...body)),
        ),
      ),
    );
    // Bars per metric.
    const bars = h("div", { class: "charts" });
    for (const m of r.metrics) {
      const rows = r.methods.filter((x) => r.summary[x.id]?.[m.id]);
      if (rows.length === 0) continue;
      bars.append(
        chartBox(`bars: ${m.label}`, 240, (box, w) =>
          barChart(box, w, {
            title: `${m.group}: ${m.label}`,
            labels: rows.map((x) => x.label),
            values: rows.map((x) => r.summary[x.id][m.id].mean),
            errors: rows.map((x) => r.summary[x.id][m.id].std),
            dots: rows.map((x) => (r.values[x.id]?.[m.id] ?? []).map((v) => v.value)),
            colors: rows.map((x) => colors.get(x.id) ?? "#4e79a7"),
            unit: m.unit,
            height: 240,
          }),
        ),
      );
    }
    parts.push(
      h(
        "div",
        { class: "card" },
        h("h3", { text: "Per metric" }),
        h("p", { class: "note", text: "Bars: mean over seeds; whiskers: ± one standard deviation; dots: the seeds." }),
        bars,
      ),
    );
    // IF against number of constraints.
    const numMethods = r.methods.filter((m) => r.by_constraints_num[m.id]);
    if (numMethods.length) {
      const ks = [...new Set(numMethods.flatMap((m) => Object.keys(r.by_constraints_num[m.id]).map(Number)))].sort(
        (a, b) => a - b,
      );
      parts.push(
        h(
          "div",
          { class: "card" },
          h("h3", { text: "IF against the number of constraints" }),
          h("p", {
            class: "note",
            text: "Share of instructions with every constraint followed, by how many constraints they have (mean over seeds; hover for values).",
          }),
          chartBox("if-by-constraints", 280, (box, w) =>
            lineChart(box, w, {
              title: "IF (%) by number of constraints",
              x: ks,
              xSplits: ks,
              xLabel: "constraints",
              series: numMethods.map((m) => ({
                label: m.label,
                values: ks.map((k) => r.by_constraints_num[m.id][String(k)]?.mean ?? null),
                color: colors.get(m.id) ?? "#4e79a7",
                points: true,
              })),
              height: 280,
            }),
          ),
          table(
            ["method", ...ks.map((k) => `${k}`)],
            numMethods.map((m) => [
              m.label,
              ...ks.map((k) => {
                const s = r.by_constraints_num[m.id][String(k)];
                return h("td", {
                  class: "num",
                  text: s ? fmt(s.mean, 1) : "–",
                  title: s ? `${s.items} items, std ${fmt(s.std)}` : "",
                });
              }),
            ]),
            "grid small",
          ),
        ),
      );
    }
    // Per dimension: a heat table.
    const dimMethods = r.methods.filter((m) => r.by_dimension[m.id]);
    if (dimMethods.length) {
      const dims = [...new Set(dimMethods.flatMap((m) => Object.keys(r.by_dimension[m.id])))];
      const rows = dims.map((dim) => {
        const items = Math.max(0, ...dimMethods.map((m) => r.by_dimension[m.id][dim]?.items ?? 0));
        return [
          h("td", { text: dim, title: `${items} constraints` }),
          ...dimMethods.map((m) => {
            const s = r.by_dimension[m.id][dim];
            const td = h("td", {
              class: "num heat",
              text: s ? fmt(s.mean, 1) : "–",
              title: s ? `${s.items} constraints, std ${fmt(s.std)}` : "",
            });
            if (s) td.style.background = `hsl(${Math.round(1.2 * Math.max(0, Math.min(100, s.mean)))}, 65%, 85%)`;
            return td;
          }),
        ];
      });
      parts.push(
        h(
          "div",
          { class: "card" },
          h("h3", { text: "Per dimension" }),
          h("p", {
            class: "note",
            text: "Share of constraints of each dimension that were satisfied (percent, mean over seeds); red is low, green high.",
          }),
          h("div", { class: "scroll" }, table(["dimension", ...dimMethods.map((m) => m.label)], rows, "grid small")),
        ),
      );
    }
    if (r.phases.length)
      parts.push(
        h(
          "details",
          { class: "card" },
          h("summary", { text: "Wall time per phase" }),
          table(
            ["phase", "seconds", ""],
            r.phases.map((p) => [p.name, p.seconds.toFixed(1), p.resumed ? "resumed" : ""]),
            "grid small",
          ),
        ),
      );
    if (r.failed.length)
      parts.push(
        h(
          "div",
          { class: "card warn" },
          h("h3", { text: "Runs that did not finish" }),
          table(
            ["method", "seed", "status", "error"],
            r.failed.map((f) => [f.method, String(f.seed), f.status, f.error ?? ""]),
            "grid small",
          ),
        ),
      );
    return section(
      "results",
      "3. Results",
      r.from === "experiment"
        ? `${r.name ? `Experiment ${r.name}: ` : ""}every method evaluated over ${r.seeds.length} seed${r.seeds.length === 1 ? "" : "s"}.`
        : "Metrics of the evaluation folders given.",
      ...parts,
    );
  }

  // ---- 4. Items -----------------------------------------------------------------------------------------------

  function itemsSection(sec: { benchmarks: ItemsBenchmark[] }, colors: Map<string, string>) {
    const wrap = h("div");
    const tabs = h("div", { class: "tabs" });
    const show = (b: ItemsBenchmark) => {
      for (const t of Array.from(tabs.children)) t.classList.toggle("active", t.dataset.bench === b.id);
      wrap.replaceChildren(itemsBrowser(b, colors));
    };
    for (const b of sec.benchmarks)
      tabs.append(
        h("button", {
          text: `${b.label} (${b.items.length} items)`,
          data: { bench: b.id },
          on: { click: () => show(b) },
        }),
      );
    show(sec.benchmarks[0]);
    return section(
      "items",
      "4. Items",
      "Every evaluated item: the instruction, its constraints, each run's response and verdicts. Filter, search, and open an item to compare two runs side by side.",
      sec.benchmarks.length > 1 ? tabs : null,
      wrap,
    );
  }

  function itemsBrowser(b: ItemsBenchmark, colors: Map<string, string>) {
    const S = b.strings;
    const methods: string[] = [];
    const methodLabel = new Map<string, string>();
    for (const r of b.runs)
      if (!methods.includes(r.method)) {
        methods.push(r.method);
        methodLabel.set(r.method, r.label.replace(/ · seed .*$/, ""));
      }
    const runsOf = methods.map((m) => b.runs.map((r, i) => (r.method === m ? i : -1)).filter((i) => i >= 0));
    const nItems = b.items.length;
    // passes[m * nItems + i] / totals[...]: runs of method m that passed / evaluated item i.
    const passes = new Int16Array(methods.length * nItems);
    const totals = new Int16Array(methods.length * nItems);
    methods.forEach((_, m) => {
      for (const ri of runsOf[m]) {
        const res = b.runs[ri].results;
        for (let i = 0; i < nItems; i++) {
          const x = res[i];
          if (!x) continue;
          totals[m * nItems + i]++;
          passes[m * nItems + i] += x.p;
        }
      }
    });
    let haystack: string[] | null = null;
    let respHaystack: string[] | null = null;

    const state = { q: "", inResponses: false, method: -1, outcome: "any", dim: -1, n: -1, page: 0 };
    const nums = [...new Set(b.items.map((x) => x.n))].sort((a, c) => a - c);

    const select = (label: string, options: [string, string][], onChange: (v: string) => void) => {
      const sel = h(
        "select",
        { attrs: { "aria-label": label } },
        ...options.map(([v, t]) => h("option", { text: t, attrs: { value: v } })),
      );
      sel.addEventListener("change", () => onChange(sel.value));
      return h("label", { class: "filter" }, `${label} `, sel);
    };
    const search = h("input", {
      attrs: { type: "search", placeholder: "search id, instruction, constraints", "aria-label": "search" },
    });
    let timer = 0;
    search.addEventListener("input", () => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        state.q = search.value.trim().toLowerCase();
        state.page = 0;
        render();
      }, 150) as unknown as number;
    });
    const inResp = h("input", { attrs: { type: "checkbox", "aria-label": "also search responses" } });
    inResp.addEventListener("change", () => {
      state.inResponses = inResp.checked;
      state.page = 0;
      render();
    });
    const filters = h(
      "div",
      { class: "filters" },
      search,
      h("label", { class: "filter" }, inResp, " also in responses"),
      select(
        "method",
        [["-1", "all methods"], ...methods.map((m, i): [string, string] => [String(i), methodLabel.get(m) ?? m])],
        (v) => {
          state.method = Number(v);
          state.page = 0;
          render();
        },
      ),
      select(
        "outcome",
        [
          ["any", "any outcome"],
          ["pass", "passed (every seed)"],
          ["fail", "failed (every seed)"],
          ["mixed", "mixed over seeds"],
          ["differ", "methods disagree"],
        ],
        (v) => {
          state.outcome = v;
          state.page = 0;
          render();
        },
      ),
      select(
        "dimension",
        [["-1", "any dimension"], ...b.dimensions.map((d, i): [string, string] => [String(i), d])],
        (v) => {
          state.dim = Number(v);
          state.page = 0;
          render();
        },
      ),
      select(
        "constraints",
        [["-1", "any number"], ...nums.map((n): [string, string] => [String(n), String(n)])],
        (v) => {
          state.n = Number(v);
          state.page = 0;
          render();
        },
      ),
    );
    const count = h("div", { class: "count" });
    const list = h("div", { class: "items" });
    const pager = h("div", { class: "pager" });
    const detail = h("div", { class: "detail", attrs: { id: `detail-${b.id}` } });
    detail.hidden = true;

    function outcomeOf(m: number, i: number): "pass" | "fail" | "mixed" | "none" {
      const t = totals[m * nItems + i];
      const p = passes[m * nItems + i];
      return t === 0 ? "none" : p === t ? "pass" : p === 0 ? "fail" : "mixed";
    }

    function matches(i: number): boolean {
      const it = b.items[i];
      if (state.n >= 0 && it.n !== state.n) return false;
      if (state.dim >= 0 && !it.dims.includes(state.dim)) return false;
      const ms = state.method >= 0 ? [state.method] : methods.map((_, m) => m);
      if (state.outcome === "differ") {
        const seen = new Set(methods.map((_, m) => outcomeOf(m, i)).filter((o) => o !== "none"));
        if (seen.size < 2) return false;
      } else if (state.outcome !== "any") {
        if (!ms.some((m) => outcomeOf(m, i) === state.outcome)) return false;
      } else if (state.method >= 0 && outcomeOf(state.method, i) === "none") return false;
      if (state.q) {
        if (!haystack)
          haystack = b.items.map((x) =>
            [x.id, x.text >= 0 ? S[x.text] : "", ...x.cons.map((c) => S[c])].join("\n").toLowerCase(),
          );
        let hit = haystack[i].includes(state.q);
        if (!hit && state.inResponses) {
          if (!respHaystack)
            respHaystack = b.items.map((_, k) =>
              b.runs
                .map((r) => (r.results[k] ? S[r.results[k]!.r] : ""))
                .join("\n")
                .toLowerCase(),
            );
          hit = respHaystack[i].includes(state.q);
        }
        if (!hit) return false;
      }
      return true;
    }

    function render() {
      const hits: number[] = [];
      for (let i = 0; i < nItems; i++) if (matches(i)) hits.push(i);
      const pages = Math.max(1, Math.ceil(hits.length / PAGE_SIZE));
      state.page = Math.min(state.page, pages - 1);
      count.textContent = `${int(hits.length)} of ${int(nItems)} items`;
      const rows = hits.slice(state.page * PAGE_SIZE, (state.page + 1) * PAGE_SIZE).map((i) => {
        const it = b.items[i];
        const text = (it.text >= 0 ? S[it.text] : it.cons.map((c) => S[c]).join(" "))
          .slice(0, 400)
          .replace(/\s+/g, " ");
        const chips = h(
          "div",
          { class: "chips" },
          ...methods.map((m, mi) => {
            const o = outcomeOf(mi, i);
            if (o === "none") return null;
            const t = totals[mi * nItems + i];
            const mark = o === "pass" ? "✓" : o === "fail" ? "✗" : "~";
            const chip = h("span", {
              class: `chip ${o}`,
              text: `${mark} ${methodLabel.get(m) ?? m}${t > 1 ? ` ${passes[mi * nItems + i]}/${t}` : ""}`,
              title: `${methodLabel.get(m) ?? m}: ${o}`,
            });
            chip.style.borderColor = colors.get(m) ?? "#999";
            return chip;
          }),
        );
        return h(
          "div",
          {
            class: "item",
            data: { item: String(i) },
            attrs: { role: "button", tabindex: "0" },
            on: {
              click: () => openItem(i),
              keydown: (ev) => {
                if (ev.key === "Enter") openItem(i);
              },
            },
          },
          h("span", { class: "id mono", text: it.id }),
          h("span", { class: "n", text: `${it.n} c.`, title: `${it.n} constraints` }),
          h("span", { class: "preview", text: text.length > 220 ? `${text.slice(0, 220)}…` : text }),
          chips,
        );
      });
      list.replaceChildren(...rows);
      pager.replaceChildren(
        h("button", { text: "‹ previous", on: { click: () => go(-1) } }),
        ` page ${state.page + 1} of ${pages} `,
        h("button", { text: "next ›", on: { click: () => go(1) } }),
      );
      (pager.children[0] as PageElement).disabled = state.page === 0;
      (pager.children[1] as PageElement).disabled = state.page >= pages - 1;
    }
    function go(d: number) {
      state.page += d;
      render();
    }

    function runOptions(sel: PageElement, chosen: number) {
      sel.replaceChildren(
        ...b.runs.map((r, ri) => {
          const o = h("option", { text: r.label, attrs: { value: String(ri) } });
          o.selected = ri === chosen;
          return o;
        }),
      );
    }

    function openItem(i: number) {
      const it = b.items[i];
      const avail = b.runs.map((r, ri) => (r.results[i] ? ri : -1)).filter((ri) => ri >= 0);
      const preferred = state.method >= 0 ? runsOf[state.method].filter((ri) => avail.includes(ri)) : [];
      const left = preferred[0] ?? avail[0] ?? 0;
      const lp = b.runs[left]?.results[i]?.p;
      const right =
        avail.find(
          (ri) => ri !== left && b.runs[ri].results[i]!.p !== lp && b.runs[ri].method !== b.runs[left].method,
        ) ??
        avail.find((ri) => ri !== left && b.runs[ri].method !== b.runs[left].method) ??
        avail.find((ri) => ri !== left) ??
        left;
      const consTable = table(
        ["#", "constraint", b.id === "ifeval" ? "group" : "dimension"],
        Array.from({ length: Math.max(it.n, it.cons.length) }, (_, k) => [
          String(k + 1),
          it.cons[k] !== undefined ? S[it.cons[k]] : "",
          it.dims[k] !== undefined && it.dims[k] >= 0 ? b.dimensions[it.dims[k]] : "",
        ]),
        "grid small",
      );
      const cols = h("div", { class: "side-by-side" });
      const makeCol = (chosen: number) => {
        const sel = h("select", { attrs: { "aria-label": "run" } });
        runOptions(sel, chosen);
        const body = h("div");
        const col = h("div", { class: "col" }, sel, body);
        const fill = () => body.replaceChildren(runView(b, i, Number(sel.value)));
        sel.addEventListener("change", fill);
        fill();
        return col;
      };
      cols.append(makeCol(left), makeCol(right));
      detail.replaceChildren(
        ...[
          h(
            "div",
            { class: "detail-head" },
            h("h3", { text: `Item ${it.id}` }),
            h("button", {
              class: "close",
              text: "close ✕",
              on: {
                click: () => {
                  detail.hidden = true;
                },
              },
            }),
          ),
          it.text >= 0
            ? h("details", { class: "instruction" }, h("summary", { text: "Instruction" }), longText(S[it.text]))
            : null,
          consTable,
          h("p", {
            class: "note",
            text: "Two runs side by side (pick any run in each column); by default one that passed beside one that failed, when there is such a pair.",
          }),
          cols,
        ].filter((x): x is PageElement => x !== null),
      );
      const instr = detail.querySelector("details.instruction");
      if (instr) instr.open = true;
      detail.hidden = false;
      detail.scrollIntoView({ block: "start" });
    }

    render();
    return h("div", { class: "browser" }, filters, count, list, pager, detail);
  }

  function verdictBadge(ok: boolean | null, label: string) {
    return h("span", { class: `badge ${ok === null ? "none" : ok ? "pass" : "fail"}`, text: label });
  }

  function runView(b: ItemsBenchmark, i: number, ri: number) {
    const S = b.strings;
    const run = b.runs[ri];
    const x: ItemResult | null = run.results[i];
    if (!x) return h("p", { class: "note", text: "This run did not evaluate this item." });
    const it = b.items[i];
    const head = h("div", { class: "verdicts" }, verdictBadge(x.p === 1, x.p === 1 ? "passed" : "failed"));
    if (b.id === "trace") {
      head.append(
        verdictBadge(x.po === 1, `overall [[${x.o ?? "?"}]]`),
        verdictBadge(x.ph === 1, x.ph === 1 ? "hybrid pass" : "hybrid fail"),
      );
      const rows = Array.from({ length: it.n }, (_, k) => {
        const score = x.s?.[k];
        const rule = x.u?.[k];
        const ruleText = !rule || rule[0] === 0 ? "–" : rule[0] === 1 ? "pass" : "fail";
        const cov = rule?.[1] ? (rule[1] === 1 ? " (full)" : " (partial)") : "";
        const judgeOk = score === 10;
        const disagree =
          rule &&
          ((rule[0] === 2 && judgeOk) ||
            (rule[0] === 1 && rule[1] === 1 && score !== null && score !== undefined && !judgeOk));
        const c = it.cons[k] !== undefined ? S[it.cons[k]] : "";
        return [
          h("td", { text: String(k + 1) }),
          h("td", { class: "constraint", text: c.length > 90 ? `${c.slice(0, 90)}…` : c, title: c }),
          h("td", {
            class: `num ${score === undefined || score === null ? "" : judgeOk ? "ok" : "bad"}`,
            text: score === undefined || score === null ? "–" : String(score),
          }),
          h("td", {
            class: rule?.[0] === 2 ? "bad" : rule?.[0] === 1 ? "ok" : "",
            text: `${ruleText}${cov}`,
            title: rule ? S[rule[2]] : "",
          }),
          h("td", {
            class: "evidence",
            text: `${rule && rule[0] !== 0 ? S[rule[2]] : ""}${disagree ? "  ⚠ rule and judge disagree" : ""}`,
          }),
        ];
      });
      const verdicts = table(["#", "constraint", "judge (0-10)", "rule check", "rule evidence"], rows, "grid small");
      return h(
        "div",
        null,
        head,
        verdicts,
        x.e !== undefined ? h("p", { class: "warn", text: `judge output not usable: ${S[x.e]}` }) : null,
        h("h4", { text: "Response" }),
        longText(S[x.r]),
        h(
          "details",
          { class: "rationale" },
          h("summary", { text: "Judge rationale" }),
          x.j !== undefined ? longText(S[x.j], "text judge") : null,
        ),
      );
    }
    // IFEval
    if (x.pl !== undefined) head.append(verdictBadge(x.pl === 1, x.pl === 1 ? "loose: passed" : "loose: failed"));
    const rows = it.cons.map((c, k) => [
      String(k + 1),
      S[c],
      h("td", { class: x.st?.[k] ? "ok" : "bad", text: x.st?.[k] ? "followed" : "not followed" }),
      h("td", {
        class: x.lo?.[k] ? "ok" : "bad",
        text: x.lo === undefined ? "–" : x.lo[k] ? "followed" : "not followed",
      }),
    ]);
    return h(
      "div",
      null,
      head,
      table(["#", "instruction", "strict", "loose"], rows, "grid small"),
      h("h4", { text: "Response" }),
      longText(S[x.r]),
    );
  }

  // ---- main ---------------------------------------------------------------------------------------------------

  async function main() {
    const root = document.getElementById("app")!;
    const d = await readData();
    document.title = d.title;
    const colors = methodColors(d);
    const sections: [string, string][] = [];
    const blocks: PageElement[] = [];
    if (d.data) {
      sections.push(["data", "Data"]);
      blocks.push(dataSection(d));
    }
    if (d.training) {
      sections.push(["training", "Training"]);
      blocks.push(trainingSection(d.training, colors));
    }
    if (d.results) {
      sections.push(["results", "Results"]);
      blocks.push(resultsSection(d.results, colors));
    }
    if (d.items) {
      sections.push(["items", "Items"]);
      blocks.push(itemsSection(d.items, colors));
    }
    if (blocks.length === 0) blocks.push(h("p", { text: "The folders read held nothing this page can show." }));
    root.replaceChildren(...header(d, sections), h("main", null, ...blocks));
    mark("rendered");
    window.__report = { ready: true, timing };
    document.documentElement.dataset.ready = "1";
  }

  main().catch((err: unknown) => {
    const root = document.getElementById("app");
    if (root) root.replaceChildren(h("pre", { class: "error", text: `The report could not be shown: ${String(err)}` }));
    console.error(err);
  });
}
