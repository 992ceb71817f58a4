/** Shared text helpers of the rule detectors and checkers. */

/** Quoted terms: “X” 「X」 『X』 "X" ‘X’ «X» (not ASCII single quotes: apostrophes). */
const QUOTED =
  /“([^“”]{1,80})”|「([^「」]{1,80})」|『([^『』]{1,80})』|"([^"]{1,80})"|‘([^‘’]{1,80})’|«([^«»]{1,80})»/gu;

export interface Quote {
  text: string;
  index: number;
  end: number;
}

export function quotes(s: string): Quote[] {
  return [...s.matchAll(QUOTED)].map((m) => ({
    text: (m[1] ?? m[2] ?? m[3] ?? m[4] ?? m[5] ?? m[6]).trim(),
    index: m.index!,
    end: m.index! + m[0].length,
  }));
}

/** The constraint without its leading number ("3. ", "1.2 ", "（2）") and trailing "；" / "。". */
export function constraintBody(s: string): string {
  return s
    .replace(/^\s*(?:\d+(?:\.\d+)*[.、)）]?|[（(]\d+[)）])\s*/u, "")
    .replace(/[；;。.\s]+$/u, "")
    .trim();
}

/** Compare-friendly form: NFKC, one quote style, no whitespace, no trailing punctuation. */
export function norm(s: string): string {
  return s
    .normalize("NFKC")
    .replace(/[“”„‟«»「」『』]/g, '"')
    .replace(/[‘’]/g, "'")
    .replace(/\s+/g, "");
}

export const TRAILING_PUNCT = /[\s。．.!！?？…,，;；:："'“”‘’」』）)*_~`]+$/u;
export const LEADING_DECOR = /^[\s#>*_~`"'“”‘’「『（(\-•·]+/u;

/** Strip markdown emphasis markers and code fences markers for content comparisons. */
export function stripMarkdown(s: string): string {
  return s.replace(/\*\*|__|`/g, "");
}

/** Residual filler: words that state HOW a rule is asked, not WHAT is asked (used for the coverage estimate). */
const FILLER_ZH =
  "需要|需|应该|应当|应|必须|务必|要求|要|请|确保|保证|使用|采用|用|以|按照|按|格式|形式|的|地|得|进行|呈现|输出|展示|显示|表达|回答|回复|作答|撰写|书写|编写|写作|写|内容|全文|全篇|整篇|文章|正文|整体|整个|全部|所有|结果|将|控制|限制|限定|限|保持|在|为|是|有|之间|之間|以内|之内|以下|以上|字数|总字数|字數|篇幅|长度|總|总|其|包含|包括|含有|提到|提及|出现|列举|列出|关键词|关键字|词语|词汇|短语|字样|不得|不要|不能|不可|避免|禁止|不应|不允许|严禁|切勿|不使用|不包含|不出现|不含|删除|去掉|去除|并且|并|且|和|与|及|或|开头|结尾|开始|结束|作为|结束语|开场白|开篇|收尾|语言|英文|英语|中文|汉语|简体|完全|全程|纯|仅|只|字|个|词|范围|至少|最多|不超过|不少于|超过|少于|不低于|不多于|到|至|达到|文本|回应|答案|答复|最终|整|此|该|这|一|句|话|方式|来|给出|提供|中|里|上|下|语|版|进|行|都|均|能|可以|可|样式|風格|风格|约束|数值";
const FILLER_EN =
  "the|response|responses|answer|output|must|should|be|in|a|an|format|formatted|use|using|used|written|write|entirely|only|words?|no|more|than|at|least|less|fewer|between|and|of|with|include|includes|including|contain|contains|containing|mention|phrase|word|term|keyword|keywords|avoid|do|not|don't|never|start|starts|begin|begins|end|ends|language|english|chinese|json|markdown|list|bullet|bullets|points|numbered|headings?|title|sections?|your|entire|whole|text|reply|it|is|are|to|by|exactly|please|make|sure|all|as|valid|under|up|within|maximum|minimum|most|exceed|exceeding|over|total|length|keep";
const FILLER = new RegExp(`(?:${FILLER_ZH})|\\b(?:${FILLER_EN})\\b`, "giu");

/**
 * How much of the constraint is left after removing the detected spans, quoted terms, numbers, filler words and
 * punctuation: counted in CJK characters plus Latin words. Small means the rule is the whole constraint.
 */
export function residualSize(constraint: string, spans: string[]): number {
  let s = constraintBody(constraint);
  for (const sp of spans) s = s.replace(sp, " ");
  s = s.replace(/“[^”]*”|「[^」]*」|『[^』]*』|"[^"]*"|‘[^’]*’/gu, " ");
  s = s.replace(/\d+(?:[.,]\d+)*/g, " ").replace(/[零〇一二两三四五六七八九十百千万]+(?=[个字词])/gu, " ");
  s = s.replace(FILLER, " ");
  const cjk = (s.match(/\p{Script=Han}/gu) ?? []).length;
  const latin = (s.match(/[A-Za-z]+/g) ?? []).length;
  return cjk + latin;
}
