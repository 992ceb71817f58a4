/** The report page's stylesheet (inlined after uPlot's own). Plain, print-friendly, no web fonts. */
export const PAGE_CSS = `
:root { --fg: #1d2330; --muted: #5d6678; --line: #dde1e8; --bg: #fff; --soft: #f5f7fa; --pass: #2e7d32; --fail: #c62828; --accent: #4e79a7; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", "Noto Sans CJK SC", sans-serif; color: var(--fg); background: var(--bg); }
header { padding: 16px 24px 8px; border-bottom: 1px solid var(--line); background: var(--soft); }
header h1 { margin: 0 0 2px; font-size: 22px; }
.meta { color: var(--muted); font-size: 12px; }
nav { position: sticky; top: 0; z-index: 10; padding: 6px 24px; display: flex; gap: 18px; background: var(--soft); border-bottom: 1px solid var(--line); }
nav a { color: var(--accent); text-decoration: none; font-weight: 600; }
main { padding: 8px 24px 48px; max-width: 1500px; margin: 0 auto; }
section { margin-top: 28px; }
h2 { font-size: 19px; border-bottom: 2px solid var(--accent); padding-bottom: 4px; }
h3 { font-size: 15px; margin: 0 0 8px; }
h4 { font-size: 13px; margin: 10px 0 4px; color: var(--muted); }
.intro, .note { color: var(--muted); }
.note p { margin: 4px 0; }
.card { border: 1px solid var(--line); border-radius: 6px; padding: 12px 14px; margin: 12px 0; background: var(--bg); }
.card.warn, .warnings { border-color: #e0b4b4; background: #fff7f7; }
.row { display: flex; flex-wrap: wrap; gap: 28px; }
.charts { display: grid; grid-template-columns: repeat(auto-fill, minmax(460px, 1fr)); gap: 14px; }
.chart { min-width: 0; overflow: hidden; }
.scroll { overflow-x: auto; }
table.grid { border-collapse: collapse; font-size: 13px; }
table.grid th, table.grid td { border-bottom: 1px solid var(--line); padding: 3px 8px; text-align: left; vertical-align: top; }
table.grid th { background: var(--soft); font-weight: 600; }
table.grid th.group { text-align: center; border-left: 1px solid var(--line); }
table.kv thead { display: none; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.best { font-weight: 700; }
.star { color: #d4a017; }
.spread { color: var(--muted); font-weight: 400; font-size: 12px; }
.tag { font-size: 11px; color: var(--muted); border: 1px solid var(--line); border-radius: 3px; padding: 0 3px; margin-left: 6px; }
.swatch { display: inline-block; width: 10px; height: 10px; border-radius: 2px; margin-right: 6px; vertical-align: baseline; }
.mono { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 12px; }
.funnel { position: relative; width: 220px; height: 12px; background: var(--soft); border-radius: 2px; overflow: hidden; display: flex; }
.funnel .kept { background: #59a14f; height: 100%; }
.funnel .rejected { background: #e15759; height: 100%; }
td.barcell { vertical-align: middle; }
.stack { display: flex; height: 18px; border-radius: 3px; overflow: hidden; max-width: 640px; background: var(--soft); }
.stack span { height: 100%; }
.legend { display: flex; gap: 16px; margin-top: 6px; font-size: 13px; }
.toggles { display: flex; flex-wrap: wrap; gap: 4px 16px; margin: 8px 0; font-size: 13px; }
.heat { min-width: 56px; }
.verdict ul { margin: 0; padding-left: 18px; }
.tabs button { margin-right: 6px; }
.tabs button.active { font-weight: 700; border-color: var(--accent); }
.filters { display: flex; flex-wrap: wrap; gap: 8px 14px; align-items: center; margin: 8px 0; }
.filters input[type=search] { width: 300px; padding: 4px 6px; }
.count { color: var(--muted); margin: 4px 0; }
.items { border-top: 1px solid var(--line); }
.item { display: grid; grid-template-columns: 150px 44px 1fr; gap: 2px 10px; padding: 6px 4px; border-bottom: 1px solid var(--line); cursor: pointer; }
.item:hover, .item:focus { background: var(--soft); outline: none; }
.item .id { overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.item .n { color: var(--muted); }
.item .preview { overflow: hidden; overflow-wrap: anywhere; display: -webkit-box; -webkit-line-clamp: 2; -webkit-box-orient: vertical; }
.item .chips { grid-column: 3; display: flex; flex-wrap: wrap; gap: 4px; }
.chip { font-size: 11px; border: 1px solid; border-left-width: 4px; border-radius: 3px; padding: 0 5px; }
.chip.pass { background: #e8f5e9; } .chip.fail { background: #ffebee; } .chip.mixed { background: #fff8e1; }
.pager { margin: 8px 0; color: var(--muted); }
.detail { border: 2px solid var(--accent); border-radius: 6px; padding: 12px 14px; margin: 14px 0; }
.detail-head { display: flex; justify-content: space-between; align-items: center; }
.side-by-side { display: grid; grid-template-columns: 1fr 1fr; gap: 14px; }
.side-by-side .col { min-width: 0; border: 1px solid var(--line); border-radius: 6px; padding: 8px; }
.side-by-side select { max-width: 100%; margin-bottom: 6px; }
pre.text { white-space: pre-wrap; overflow-wrap: anywhere; background: var(--soft); padding: 8px; border-radius: 4px; max-height: 480px; overflow: auto; margin: 4px 0; font-size: 12.5px; }
.badge { display: inline-block; border-radius: 3px; padding: 1px 7px; margin: 0 6px 6px 0; font-size: 12px; color: #fff; }
.badge.pass { background: var(--pass); } .badge.fail { background: var(--fail); } .badge.none { background: #888; }
td.ok { color: var(--pass); } td.bad { color: var(--fail); }
td.constraint { font-size: 12px; overflow-wrap: anywhere; }
td.evidence { font-size: 12px; color: var(--muted); white-space: pre-wrap; overflow-wrap: anywhere; }
p.warn { color: var(--fail); }
p.loading { padding: 24px; color: var(--muted); }
pre.error { color: var(--fail); padding: 24px; white-space: pre-wrap; }
button.more { margin: 2px 0 8px; }
.sources table td { padding: 1px 8px 1px 0; font-size: 12px; }
details > summary { cursor: pointer; }
.u-title { font-size: 13px !important; font-weight: 600 !important; }
.u-legend { font-size: 12px; }
@media (max-width: 900px) { .side-by-side { grid-template-columns: 1fr; } .charts { grid-template-columns: 1fr; } }
@media print { nav { position: static; } .detail { display: none; } }
`;
