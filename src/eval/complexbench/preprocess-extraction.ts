import { pyStrip } from "./python-text.js";

const MARKER = "【模型回复中评分问题的评测对象】\n";

/**
 * upstream `preprocess(s, ass)` (evaluation/rule_based_evaluation.py): turn the extractor's answer into the
 * spans the rule is applied to. Keeps the text after the last section marker, cuts trailing "请注意"/"**注意"/
 * "注意" notes, keeps the text after the last `评分对象：`, `评测对象：` or `：`; then `all` -> the whole
 * response, anything containing `None` -> no span, else the `||`-separated spans, stripped.
 * `tolerant` additionally normalises `评分对象:` / `**评分对象**：` to the canonical marker first.
 */
export function preprocessExtraction(
  response: string | null,
  extraction: string | null,
  tolerant = false,
): { decompose: string | null; spans: string[] } {
  if (extraction === null || response === null) return { decompose: null, spans: [] };
  let ass = extraction;
  // Tolerant mode also accepts the markers written with an ASCII colon or markdown emphasis.
  if (tolerant) ass = ass.replace(/\*{0,2}(评分对象|评测对象)\*{0,2}\s*[:：]\s*/g, "$1：");
  if (ass.includes(MARKER)) ass = ass.slice(ass.lastIndexOf(MARKER) + MARKER.length);
  for (const note of ["\n\n请注意", "\n\n**注意", "\n\n注意"]) {
    const i = ass.lastIndexOf(note);
    if (i >= 0) ass = ass.slice(0, i);
  }
  let decompose: string;
  const after = (sep: string) => ass.slice(ass.lastIndexOf(sep) + sep.length);
  if (ass.includes("评分对象：")) decompose = after("评分对象：");
  else if (ass.includes("评测对象：")) decompose = after("评测对象：");
  else if (ass.includes("：")) decompose = after("：");
  else decompose = ass;
  let spans: string[];
  if (decompose.startsWith("all")) spans = [response];
  else if (decompose.includes("None")) spans = [];
  else spans = decompose.split("||").map(pyStrip);
  return { decompose, spans };
}
