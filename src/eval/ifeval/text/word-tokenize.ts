/**
 * Word tokenization as `nltk.word_tokenize(text)` does it (language "english", preserve_line false): the text is
 * split into Punkt sentences, and each sentence is tokenized with NLTK's improved Penn Treebank tokenizer.
 *
 * Treebank conventions reproduced (the IFEval `capital_word_frequency` checker counts upper-case tokens, so every
 * split matters):
 * - opening double quotes become ``` `` ```, closing ones `''`; curly and guillemet quotes stand alone;
 * - punctuation `, : ; @ # $ % & ? ! * ( ) [ ] { } < >` and `--` are separate tokens, but a comma or colon before a
 *   digit stays inside the number ("3,000", "12:30");
 * - only a sentence-final period is split off ("Mr." and "U.S." inside a sentence stay whole), ellipses stand alone;
 * - clitics are split: `'s 'm 'd 'll 're 've n't` ("can't" -> "ca n't", "I'M" -> "I 'M"), plus the MacIntyre
 *   contractions "cannot" -> "can not", "gonna" -> "gon na", "'tis" -> "'t is", ...
 * The rules are rewrite steps applied in order to the whole sentence; the result is split on whitespace. Regexes
 * use Python's Unicode classes (`\w`, `\d`, `\s`, `\b`) where the reference's do.
 */
import { splitSentences } from "./punkt.js";
import { PY_B, PY_D, PY_END, PY_S, PY_W, pySplit } from "./python-chars.js";

type Rule = [pattern: RegExp, replacement: string];

function rule(source: string, replacement: string, flags = ""): Rule {
  return [new RegExp(source, `gu${flags}`), replacement];
}

/** Opening quotes: mark them and turn a double quote that opens a phrase into ``` `` ```. */
const OPENING_QUOTES: Rule[] = [
  rule("([«“‘„]|`+)", " $1 "),
  rule('^"', "``"),
  rule("(``)", " $1 "),
  rule("([ (\\[{<])(\"|'{2})", "$1 `` "),
  // A quote before a one-letter word that is not a clitic ('a, 'x) is an opening quote.
  rule(`(')(?!re|ve|ll|m|t|s|d|n)(${PY_W})${PY_B}`, "$1 $2", "i"),
];

/** Punctuation, including the sentence-final period (with any closing brackets/quotes after it). */
const PUNCTUATION: Rule[] = [
  rule(`([^.])(\\.)([\\])}>"'»”’ ]*)${PY_S}*${PY_END}`, "$1 $2 $3 "),
  rule(`([:,])([^${PY_D}])`, " $1 $2"),
  rule(`([:,])${PY_END}`, " $1 "),
  rule("\\.{2,}", " $& "),
  rule("[;@#$%&]", " $& "),
  rule(`([^.])(\\.)([\\])}>"']*)${PY_S}*${PY_END}`, "$1 $2$3 "),
  rule("[?!]", " $& "),
  rule("([^'])' ", "$1 ' "),
  rule("[*]", " $& "),
  rule("[\\][(){}<>]", " $& "),
  rule("--", " -- "),
];

/** Closing quotes and clitics; these rules expect the sentence to be padded with a space on both sides. */
const CLOSING_QUOTES_AND_CLITICS: Rule[] = [
  rule("([»”’])", " $1 "),
  rule("''", " '' "),
  rule('"', " '' "),
  rule("([^' ])('[sS]|'[mM]|'[dD]|') ", "$1 $2 "),
  rule("([^' ])('ll|'LL|'re|'RE|'ve|'VE|n't|N'T) ", "$1 $2 "),
];

/** Robert MacIntyre's contractions, split into their two words. */
const CONTRACTIONS: Rule[] = [
  ...[
    ["can", "not"],
    ["d", "'ye"],
    ["gim", "me"],
    ["gon", "na"],
    ["got", "ta"],
    ["lem", "me"],
    ["more", "'n"],
  ].map(([a, b]) => rule(`${PY_B}(${a})(${b})${PY_B}`, " $1 $2 ", "i")),
  rule(`${PY_B}(wan)(na)(?=${PY_S})`, " $1 $2 ", "i"),
  rule(` ('t)(is)${PY_B}`, " $1 $2 ", "i"),
  rule(` ('t)(was)${PY_B}`, " $1 $2 ", "i"),
];

function applyRules(text: string, rules: Rule[]): string {
  let out = text;
  for (const [pattern, replacement] of rules) out = out.replace(pattern, replacement);
  return out;
}

/** NLTK's `NLTKWordTokenizer().tokenize(sentence)`: Treebank tokens of one sentence. */
export function treebankTokenize(sentence: string): string[] {
  let text = applyRules(sentence, OPENING_QUOTES);
  text = applyRules(text, PUNCTUATION);
  text = applyRules(` ${text} `, CLOSING_QUOTES_AND_CLITICS);
  text = applyRules(text, CONTRACTIONS);
  return pySplit(text);
}

/** `nltk.word_tokenize(text)`: Punkt English sentences, then Treebank tokens of each. */
export function wordTokenize(text: string): string[] {
  return splitSentences(text).flatMap(treebankTokenize);
}
