/**
 * Punkt sentence splitting (Kiss & Strunk 2006, "Unsupervised Multilingual Sentence Boundary Detection") with the
 * pretrained English model, reproducing what NLTK's `PunktSentenceTokenizer.tokenize(text)` returns (the IFEval
 * reference counts sentences as `len(tokenizer.tokenize(text))`).
 *
 * How a text is split:
 * 1. Candidate boundaries are the characters `.`, `?`, `!` directly followed either by a character that cannot be
 *    inside a word, or by whitespace and a next token.
 * 2. Each candidate is judged on a small context: the word before it (back to the last ASCII whitespace), the
 *    candidate character, and what follows it. Runs of candidates without whitespace between them ("acting!!!",
 *    "U.S.A.") are judged once, at their last character.
 * 3. The context is cut into Punkt word tokens and annotated: the first pass marks `?`/`!`/`.`-final tokens as
 *    breaks unless the type is a known abbreviation, and ellipses; the second pass revises each period-final token
 *    from its right neighbour with the collocation, orthographic and frequent-sentence-starter heuristics and the
 *    initial/ordinal rules. The candidate is a boundary when a token marked as a break has a token after it.
 * 4. The next sentence starts at the next token (or right after the candidate when punctuation followed); the last
 *    sentence ends before trailing whitespace.
 * 5. Closing quotes/brackets that open the next sentence are moved back to the previous one.
 * A newline alone never ends a sentence.
 */
import { bundledDataPath } from "../../../util/paths.js";
import {
  loadPunktParameters,
  ORTHO_BEG_LC,
  ORTHO_LC,
  ORTHO_MID_UC,
  ORTHO_UC,
  type PunktParameters,
} from "./punkt-params.js";
import {
  firstCodePoint,
  isPyLowerChar,
  isPyUpperChar,
  PY_D,
  PY_NOT_S,
  PY_S,
  pyRstrip,
  pyStrip,
} from "./python-chars.js";

// ---- Default English language variables ----------------------------------------------------------------------

const SENT_END_CHARS = new Set([".", "?", "!"]);
/** Characters that cannot occur inside a word (the sentence-end characters other than the period included). */
const NON_WORD = "[)\";}\\]*:@'({\\[!?]";
/** Hyphen runs and ellipses (also spaced ". . .") are single punctuation tokens. */
const MULTI_CHAR_PUNCT = `(?:-{2,}|\\.{2,}|(?:\\.${PY_S}){2,}\\.)`;
/** Characters a word token may not start with. */
const WORD_START = '[^("`{\\[:;&#*@)}\\]\\-,]';

/** Punkt's word segmentation: punctuation other than periods split off words (applied to one line at a time). */
const WORD_TOKEN_RE = new RegExp(
  [
    MULTI_CHAR_PUNCT,
    `(?=${WORD_START})${PY_NOT_S}+?(?=${PY_S}|$|${NON_WORD}|${MULTI_CHAR_PUNCT}|,(?=$|${PY_S}|${NON_WORD}|${MULTI_CHAR_PUNCT}))`,
    PY_NOT_S,
  ].join("|"),
  "gu",
);

/** A candidate boundary: a sentence-end character and what follows it (other punctuation, or space + next token). */
const PERIOD_CONTEXT_RE = new RegExp(`[.?!](?=(${NON_WORD}|${PY_S}+(${PY_NOT_S}+)))`, "gu");

/** Closing punctuation at the start of a sentence that belongs to the previous one. */
const BOUNDARY_REALIGNMENT_RE = new RegExp(`["')\\]}]+?(?:${PY_S}+|(?=--)|(?=\\n|(?![\\s\\S])))`, "uy");

/** Sentence-internal punctuation: a sentence never starts with one of these. */
const PUNCTUATION = new Set([";", ":", ",", ".", "!", "?"]);
/** ASCII whitespace (Python's `string.whitespace`), used to find the word before a candidate. */
const ASCII_WHITESPACE = new Set([" ", "\t", "\n", "\r", "\v", "\f"]);

const NUMERIC_RE = new RegExp(`^-?[.,]?${PY_D}[${PY_D},.\\-]*\\.?$`, "u");
const ELLIPSIS_RE = /^\.\.+$/u;
/** An initial: one letter-like character (Python `[^\W\d]`: a word character that is not a decimal digit) and ".". */
const INITIAL_RE = /^[\p{L}\p{Nl}\p{No}_]\.$/u;

// ---- Tokens ---------------------------------------------------------------------------------------------------

/** A Punkt word token with its annotations. */
class Token {
  readonly tok: string;
  /** Case-normalised type; numbers become "##number##". */
  readonly type: string;
  readonly periodFinal: boolean;
  sentbreak = false;
  abbr = false;
  ellipsis = false;

  constructor(tok: string) {
    this.tok = tok;
    const lower = tok.toLowerCase();
    this.type = NUMERIC_RE.test(lower) ? "##number##" : lower;
    this.periodFinal = tok.endsWith(".");
  }

  get typeNoPeriod(): string {
    return this.type.length > 1 && this.type.endsWith(".") ? this.type.slice(0, -1) : this.type;
  }

  get typeNoSentPeriod(): string {
    return this.sentbreak ? this.typeNoPeriod : this.type;
  }

  get firstUpper(): boolean {
    return isPyUpperChar(firstCodePoint(this.tok));
  }

  get firstLower(): boolean {
    return isPyLowerChar(firstCodePoint(this.tok));
  }

  get isInitial(): boolean {
    return INITIAL_RE.test(this.tok);
  }
}

// ---- The splitter ---------------------------------------------------------------------------------------------

interface Candidate {
  /** Index of the sentence-end character. */
  index: number;
  /** The text that follows it in the candidate pattern (punctuation, or whitespace plus the next token). */
  after: string;
  /** Where the next token starts, when whitespace followed; otherwise -1. */
  nextTokenStart: number;
}

interface Span {
  start: number;
  end: number;
}

export class PunktSentenceSplitter {
  constructor(private readonly params: PunktParameters) {}

  /** The sentences of `text` as NLTK's `PunktSentenceTokenizer(params).tokenize(text)` returns them. */
  split(text: string): string[] {
    return this.spans(text).map((s) => text.slice(s.start, s.end));
  }

  /** Sentence spans (start inclusive, end exclusive, UTF-16 offsets). */
  spans(text: string): Span[] {
    return realignBoundaries(text, this.rawSpans(text));
  }

  private rawSpans(text: string): Span[] {
    const spans: Span[] = [];
    let lastBreak = 0;
    for (const { candidate, context } of candidateContexts(text)) {
      if (!this.contextHasBreak(context)) continue;
      spans.push({ start: lastBreak, end: candidate.index + 1 });
      lastBreak = candidate.nextTokenStart >= 0 ? candidate.nextTokenStart : candidate.index + 1;
    }
    spans.push({ start: lastBreak, end: pyRstrip(text).length });
    return spans;
  }

  /** True when, after annotation, some token of `context` is a sentence break and is followed by another token. */
  contextHasBreak(context: string): boolean {
    const tokens = punktWordTokens(context);
    for (const t of tokens) this.annotateByType(t);
    for (let i = 0; i + 1 < tokens.length; i++) {
      this.annotateInContext(tokens[i] as Token, tokens[i + 1] as Token);
      if ((tokens[i] as Token).sentbreak) return true;
    }
    return false;
  }

  /** First pass: decisions from the token's own type. */
  private annotateByType(t: Token): void {
    if (SENT_END_CHARS.has(t.tok)) {
      t.sentbreak = true;
    } else if (ELLIPSIS_RE.test(t.tok)) {
      t.ellipsis = true;
    } else if (t.periodFinal && !t.tok.endsWith("..")) {
      const stem = t.tok.slice(0, -1).toLowerCase();
      const lastHyphenPart = stem.slice(stem.lastIndexOf("-") + 1);
      if (this.params.abbrevTypes.has(stem) || this.params.abbrevTypes.has(lastHyphenPart)) t.abbr = true;
      else t.sentbreak = true;
    }
  }

  /**
   * Second pass: revise a period-final token from the token after it (whose annotation is still first-pass only).
   */
  private annotateInContext(t: Token, next: Token): void {
    if (!t.periodFinal) return;
    const type = t.typeNoPeriod;
    const nextType = next.typeNoSentPeriod;
    const isInitial = t.isInitial;

    // Collocation: "word1. word2" pairs seen in training are never split.
    if (this.params.collocations.has(`${type}\t${nextType}`)) {
      t.sentbreak = false;
      t.abbr = true;
      return;
    }
    // An abbreviation or ellipsis may still end a sentence when the next word looks like a sentence start.
    if ((t.abbr || t.ellipsis) && !isInitial) {
      if (this.orthoSaysSentenceStart(next) === true) {
        t.sentbreak = true;
        return;
      }
      if (next.firstUpper && this.params.sentStarters.has(nextType)) {
        t.sentbreak = true;
        return;
      }
    }
    // Initials and ordinal numbers are abbreviations when the next word is not a sentence start.
    if (isInitial || type === "##number##") {
      const verdict = this.orthoSaysSentenceStart(next);
      if (verdict === false) {
        t.sentbreak = false;
        t.abbr = true;
        return;
      }
      if (
        verdict === "unknown" &&
        isInitial &&
        next.firstUpper &&
        !((this.params.orthoContext.get(nextType) ?? 0) & ORTHO_LC)
      ) {
        t.sentbreak = false;
        t.abbr = true;
      }
    }
  }

  /** Orthographic heuristic: does `t` start a sentence, judged from how its type was capitalised in training? */
  private orthoSaysSentenceStart(t: Token): boolean | "unknown" {
    if (PUNCTUATION.has(t.tok)) return false;
    const ortho = this.params.orthoContext.get(t.typeNoSentPeriod) ?? 0;
    if (t.firstUpper && ortho & ORTHO_LC && !(ortho & ORTHO_MID_UC)) return true;
    if (t.firstLower && (ortho & ORTHO_UC || !(ortho & ORTHO_BEG_LC))) return false;
    return "unknown";
  }
}

/** Punkt word tokens of a text: line by line, blank lines skipped. */
function punktWordTokens(text: string): Token[] {
  const tokens: Token[] = [];
  for (const line of text.split("\n")) {
    if (pyStrip(line) === "") continue;
    for (const m of line.matchAll(WORD_TOKEN_RE)) tokens.push(new Token(m[0]));
  }
  return tokens;
}

/**
 * The candidates to judge, each with its decision context. A candidate whose preceding word reaches back over the
 * previous candidate (no ASCII whitespace between them) replaces it, so a run like "!!!" is judged once.
 */
function* candidateContexts(text: string): Generator<{ candidate: Candidate; context: string }> {
  let prev: { candidate: Candidate; wordStart: number } | undefined;
  for (const m of text.matchAll(PERIOD_CONTEXT_RE)) {
    const index = m.index as number;
    const after = m[1] as string;
    const nextTok = m[2];
    const candidate: Candidate = {
      index,
      after,
      nextTokenStart: nextTok === undefined ? -1 : index + 1 + after.length - nextTok.length,
    };
    // The word before this candidate starts after the last ASCII whitespace since the previous candidate; without
    // such whitespace (or with it only at the very first position) it extends the previous candidate's word.
    const searchFrom = prev ? prev.candidate.index : 0;
    let ws = -1;
    for (let i = index - 1; i >= searchFrom; i--) {
      if (ASCII_WHITESPACE.has(text[i] as string)) {
        ws = i;
        break;
      }
    }
    const wordStart = ws > searchFrom ? ws + 1 : prev ? prev.wordStart : 0;
    if (prev && prev.candidate.index <= wordStart) yield contextOf(text, prev.candidate, prev.wordStart);
    prev = { candidate, wordStart };
  }
  if (prev) yield contextOf(text, prev.candidate, prev.wordStart);
}

function contextOf(text: string, candidate: Candidate, wordStart: number) {
  const context = text.slice(wordStart, candidate.index) + text[candidate.index] + candidate.after;
  return { candidate, context };
}

/** Move closing quotes/brackets (and the whitespace after them) from a sentence's start to the previous sentence. */
function realignBoundaries(text: string, spans: Span[]): Span[] {
  const out: Span[] = [];
  let shift = 0;
  for (let i = 0; i < spans.length; i++) {
    const s1 = { start: (spans[i] as Span).start + shift, end: (spans[i] as Span).end };
    const s2 = spans[i + 1];
    if (!s2) {
      if (s1.end > s1.start) out.push(s1);
      continue;
    }
    BOUNDARY_REALIGNMENT_RE.lastIndex = 0;
    const m = BOUNDARY_REALIGNMENT_RE.exec(text.slice(s2.start, s2.end));
    if (m) {
      out.push({ start: s1.start, end: s2.start + pyRstrip(m[0]).length });
      shift = m[0].length;
    } else {
      shift = 0;
      if (s1.end > s1.start) out.push(s1);
    }
  }
  return out;
}

let englishSplitter: PunktSentenceSplitter | undefined;

/** The pretrained English splitter, loaded once from the bundled `data/punkt_english/`. */
export function englishPunkt(): PunktSentenceSplitter {
  englishSplitter ??= new PunktSentenceSplitter(loadPunktParameters(bundledDataPath("punkt_english")));
  return englishSplitter;
}

/** NLTK's Punkt English `tokenize(text)`: the sentences of `text`. */
export function splitSentences(text: string): string[] {
  return englishPunkt().split(text);
}
