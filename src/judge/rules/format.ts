import type { Rule, RuleCheck } from "./types.js";

/**
 * Output-format rules of the whole response: JSON, Markdown, a table, numbered/bulleted lists (or none),
 * headings. Detection needs an explicit statement that the OUTPUT has the format ("以JSON格式输出",
 * "使用Markdown格式", "以表格形式展示", "使用编号列表", "分点作答", "respond in JSON"); constraints about code
 * (函数/代码/程序/文件/API/解析…) are skipped, since there the format belongs to what the code handles.
 */
const CODE =
  /代码|函数|程序|脚本|接口|API|文件|数据库|解析|序列化|字段|键|类|方法|模块|库|变量|参数|请求|返回值|python|java|sql|html|css|class|function|file|parse|api|schema/iu;

const JSON_OUT =
  /(?:以|用|采用|使用|按|按照|输出为|输出成|返回|呈现为|格式为|格式化为|转换为|整理为|整理成)\s*(?:标准的?|有效的?|合法的?)?\s*json\s*(?:格式|形式|结构|对象|数组)?|json\s*格式\s*(?:输出|返回|呈现|展示|给出|回答)|(?:in|as|into)\s+(?:valid\s+)?json(?:\s+format)?\b|\boutput\s+(?:valid\s+)?json\b/iu;
const MARKDOWN_OUT =
  /(?:以|用|采用|使用|按|按照|输出为|呈现为)\s*markdown\s*(?:格式|语法|形式)?|markdown\s*格式\s*(?:输出|返回|呈现|展示|撰写|编写)|\bin\s+markdown(?:\s+format)?\b|\buse\s+markdown\b/iu;
const TABLE_OUT =
  /(?:以|用|采用|使用|通过)\s*(?:markdown\s*)?表格\s*(?:的)?\s*(?:形式|格式|方式)?\s*(?:输出|展示|呈现|列出|给出|整理|汇总|回答)|表格\s*(?:形式|格式)\s*(?:输出|展示|呈现)|\bin\s+(?:a\s+)?(?:markdown\s+)?table\b/iu;
const NUMBERED =
  /(?:使用|用|以|采用)\s*(?:数字)?编号\s*(?:的)?\s*(?:列表|清单|形式|方式)|编号列表|有序列表|数字编号|\bnumbered\s+list\b/iu;
const BULLET = /项目符号|无序列表|\bbullet(?:ed)?\s*(?:points?|list)\b/iu;
const ANY_LIST =
  /(?:以|用|使用|采用)\s*列表\s*(?:的)?\s*(?:形式|方式|格式)|分点\s*(?:列出|作答|回答|阐述|说明|论述|描述|列举|呈现)|\bin\s+(?:a\s+)?list\b/iu;
const NO_LIST =
  /(?:不|勿|避免|禁止|不得|不要|不能)\s*(?:使用|采用|用)?\s*(?:任何)?\s*(?:列表|分点|编号|项目符号)|\b(?:no|without|avoid|do not use)\s+(?:any\s+)?(?:bullet|list|numbered)/iu;
const HEADINGS =
  /(?:使用|包含|包括|设置|采用|有|添加|带有)\s*(?:清晰的)?\s*(?:标题和子标题|小标题|子标题|多级标题|各级标题|标题层级)|\b(?:use|include)\s+(?:section\s+)?headings\b/iu;

export function detectFormat(constraint: string): Rule[] {
  const text = constraint.normalize("NFKC");
  const out: Rule[] = [];
  const code = CODE.test(text);
  let m: RegExpExecArray | null;
  if (!code && (m = JSON_OUT.exec(text))) out.push({ kind: "json", matched: m[0] });
  if (!code && (m = MARKDOWN_OUT.exec(text)) && !/^\s*流程/u.test(text.slice(m.index + m[0].length)))
    out.push({ kind: "markdown", matched: m[0] });
  if (!code && (m = TABLE_OUT.exec(text))) out.push({ kind: "table", matched: m[0] });
  if ((m = NO_LIST.exec(text))) out.push({ kind: "no_list", matched: m[0] });
  else if (!code) {
    if ((m = NUMBERED.exec(text))) out.push({ kind: "list", style: "numbered", matched: m[0] });
    else if ((m = BULLET.exec(text))) out.push({ kind: "list", style: "bullet", matched: m[0] });
    else if ((m = ANY_LIST.exec(text))) out.push({ kind: "list", style: "any", matched: m[0] });
  }
  if (!code && (m = HEADINGS.exec(text)))
    out.push({ kind: "headings", min: /子标题|小标题|多级|各级|层级/u.test(m[0]) ? 2 : 1, matched: m[0] });
  // "JSON或Markdown格式", "table or list": alternatives, not requirements.
  const formats = out.filter((r) => ["json", "markdown", "table", "list"].includes(r.kind));
  if (formats.length > 1 && /或|或者|\bor\b/iu.test(text)) return out.filter((r) => !formats.includes(r));
  return out;
}

// ---- checks ---------------------------------------------------------------------------------------------

function tryJson(s: string): boolean {
  try {
    const v = JSON.parse(s);
    return typeof v === "object" && v !== null;
  } catch {
    return false;
  }
}

/** The first balanced {...} or [...] span (string-aware). */
function firstBalanced(s: string): string | undefined {
  const start = s.search(/[[{]/);
  if (start < 0) return undefined;
  const stack: string[] = [];
  let inStr = false;
  for (let i = start; i < s.length; i++) {
    const c = s[i];
    if (inStr) {
      if (c === "\\") i++;
      else if (c === '"') inStr = false;
      continue;
    }
    if (c === '"') inStr = true;
    else if (c === "{" || c === "[") stack.push(c === "{" ? "}" : "]");
    else if (c === "}" || c === "]") {
      if (stack.pop() !== c) return undefined;
      if (stack.length === 0) return s.slice(start, i + 1);
    }
  }
  return undefined;
}

export function checkJson(response: string): RuleCheck {
  const t = response.trim();
  if (tryJson(t)) return { pass: true, evidence: "the whole response is JSON" };
  const fences = [...t.matchAll(/```[ \t]*(?:json|JSON)?[ \t]*\n([\s\S]*?)```/g)];
  for (const f of fences) if (tryJson(f[1].trim())) return { pass: true, evidence: "JSON in a fenced code block" };
  const span = firstBalanced(t);
  if (span && tryJson(span) && span.length >= 0.8 * t.length)
    return { pass: true, evidence: "JSON with a little surrounding text" };
  return {
    pass: false,
    evidence: span ? "a {...}/[...] span is present but is not valid JSON or not the output" : "no JSON found",
  };
}

const MD_PATTERNS: [string, RegExp][] = [
  ["heading", /^#{1,6}\s+\S/m],
  ["bullet list", /^\s*[-*+]\s+\S/m],
  ["numbered list", /^\s*\d+\.\s+\S/m],
  ["table", /^\s*\|?.*\|.*\n\s*\|?\s*:?-{3,}/m],
  ["bold", /\*\*[^*\n]+\*\*|__[^_\n]+__/],
  ["code block", /```/],
  ["quote", /^>\s/m],
  ["link", /\[[^\]]+\]\([^)]+\)/],
];

export function checkMarkdown(response: string): RuleCheck {
  const found = MD_PATTERNS.filter(([, re]) => re.test(response)).map(([n]) => n);
  return found.length > 0
    ? { pass: true, evidence: `markdown: ${found.join(", ")}` }
    : { pass: false, evidence: "no markdown syntax (headings, lists, tables, emphasis, code)" };
}

export function checkTable(response: string): RuleCheck {
  if (/^\s*\|?.*\|.*\n\s*\|?\s*:?-{3,}:?\s*(?:\|\s*:?-{3,}:?\s*)*\|?\s*$/m.test(response))
    return { pass: true, evidence: "markdown table" };
  if (/<table[\s>]/i.test(response)) return { pass: true, evidence: "HTML table" };
  return { pass: false, evidence: "no markdown or HTML table" };
}

const NUM_ITEM =
  /^\s*(?:\d+[.、)）]|[（(]\d+[)）]|[一二三四五六七八九十]+、|第[一二三四五六七八九十\d]+[条点步])\s*\S/u;
const BULLET_ITEM = /^\s*[-*+•·●○▪■◆]\s+\S/u;

export function listItems(response: string): { numbered: number; bullet: number } {
  let numbered = 0;
  let bullet = 0;
  for (const line of response.split("\n")) {
    const l = line.replace(/^\s*>\s?/, "");
    if (NUM_ITEM.test(l)) numbered++;
    else if (BULLET_ITEM.test(l)) bullet++;
  }
  return { numbered, bullet };
}

export function checkList(rule: Extract<Rule, { kind: "list" | "no_list" }>, response: string): RuleCheck {
  const { numbered, bullet } = listItems(response);
  const ev = `${numbered} numbered item lines, ${bullet} bullet lines`;
  if (rule.kind === "no_list") return { pass: numbered + bullet === 0, evidence: ev };
  if (rule.style === "numbered") return { pass: numbered >= 2, evidence: ev };
  if (rule.style === "bullet") return { pass: bullet >= 2, evidence: ev };
  return { pass: numbered + bullet >= 2, evidence: ev };
}

/** Heading-like lines: markdown #, a short line that is entirely bold, or a Chinese section number (一、). */
export function headingLines(response: string): string[] {
  return response
    .split("\n")
    .map((l) => l.trim())
    .filter(
      (l) =>
        /^#{1,6}\s+\S/.test(l) ||
        (/^\*\*[^*]{1,40}\*\*[:：]?$/.test(l) && !/[。！？.!?]\*\*$/.test(l)) ||
        /^[一二三四五六七八九十]+、\S{1,30}$/u.test(l),
    );
}

export function checkHeadings(rule: Extract<Rule, { kind: "headings" }>, response: string): RuleCheck {
  const h = headingLines(response);
  return { pass: h.length >= rule.min, evidence: `${h.length} heading lines (required >= ${rule.min})` };
}
