/**
 * Throughput of the IFEval text utilities on the 541 GPT-4 conformance responses: Punkt sentences/s,
 * word_tokenize tokens/s and langdetect detections/s (seed 0). When a Python with nltk and langdetect is installed
 * (dev machines only: Debian python3-nltk, python3-langdetect), the reference is timed on the same texts in the
 * same run and the speed ratio is printed.
 * Run: npx tsx bench/ifeval-text.ts
 */
import { spawnSync } from "node:child_process";
import { detectLanguage, LangDetectException } from "../src/eval/ifeval/text/langdetect/index.js";
import { splitSentences } from "../src/eval/ifeval/text/punkt.js";
import { wordTokenize } from "../src/eval/ifeval/text/word-tokenize.js";
import { bundledDataPath } from "../src/util/paths.js";
import { CONFORMANCE_VERDICTS, readJsonlFile } from "../test/eval/ifeval/text/fixtures.js";

// The conformance verdicts file carries each GPT-4 response in its `response` field (the Python peer reads the same).
const responsesFile = CONFORMANCE_VERDICTS;
const texts = readJsonlFile<{ response: string }>(responsesFile).map((r) => r.response);
const ROUNDS = 3;

/** Items per second over ROUNDS passes (after one warm-up call that loads the model). */
function rate<T>(fn: (text: string) => T[]): number {
  fn(texts[0] as string);
  let items = 0;
  const start = performance.now();
  for (let r = 0; r < ROUNDS; r++) for (const text of texts) items += fn(text).length;
  return items / ((performance.now() - start) / 1000);
}

// A response without letters raises LangDetectException (IFEval counts that as a pass); it is still one detection.
const detectOne = (text: string): string[] => {
  try {
    return [detectLanguage(text)];
  } catch (e) {
    if (e instanceof LangDetectException) return ["(no features)"];
    throw e;
  }
};

const PYTHON_PEER = `
import json, sys, time
from collections import defaultdict
from nltk.tokenize.punkt import PunktParameters, PunktSentenceTokenizer
from nltk.tokenize.destructive import NLTKWordTokenizer
from langdetect import DetectorFactory, detect
from langdetect.lang_detect_exception import LangDetectException
folder, responses, rounds = sys.argv[1], sys.argv[2], int(sys.argv[3])
texts = [json.loads(l)["response"] for l in open(responses, encoding="utf-8") if l.strip()]
lines = lambda n: [l.rstrip("\\n") for l in open(f"{folder}/{n}", encoding="utf-8") if l.rstrip("\\n")]
p = PunktParameters()
p.abbrev_types = set(lines("abbrev_types.txt"))
p.collocations = set(tuple(l.split("\\t")) for l in lines("collocations.tab"))
p.sent_starters = set(lines("sent_starters.txt"))
p.ortho_context = defaultdict(int, {l.rsplit("\\t", 1)[0]: int(l.rsplit("\\t", 1)[1]) for l in lines("ortho_context.tab")})
st, wt = PunktSentenceTokenizer(p), NLTKWordTokenizer()
DetectorFactory.seed = 0
def det(t):
    try: return [detect(t)]
    except LangDetectException: return ["-"]
fns = {"punkt": st.tokenize, "word_tokenize": lambda t: [w for s in st.tokenize(t) for w in wt.tokenize(s)], "langdetect": det}
out = {}
for name, fn in fns.items():
    fn(texts[0]); n = 0; t0 = time.perf_counter()
    for _ in range(rounds):
        for t in texts: n += len(fn(t))
    out[name] = n / (time.perf_counter() - t0)
print(json.dumps(out))
`;

function pythonRates(): Record<string, number> | undefined {
  const run = spawnSync(
    "/usr/bin/python3",
    ["-c", PYTHON_PEER, bundledDataPath("punkt_english"), responsesFile, String(ROUNDS)],
    { encoding: "utf8" },
  );
  if (run.status !== 0) return undefined;
  return JSON.parse(run.stdout) as Record<string, number>;
}

const ours: Array<[string, string, number]> = [
  ["punkt", "sentences", rate(splitSentences)],
  ["word_tokenize", "tokens", rate(wordTokenize)],
  ["langdetect", "detections", rate(detectOne)],
];
const peer = pythonRates();
console.log(`${texts.length} GPT-4 responses x ${ROUNDS}`);
for (const [name, unit, perSecond] of ours) {
  const vsPython = peer?.[name] ? `  ${(perSecond / (peer[name] as number)).toFixed(2)}x Python reference` : "";
  console.log(`${name.padEnd(14)} ${perSecond.toFixed(0).padStart(9)} ${unit}/s${vsPython}`);
}
if (!peer) console.log("(Python reference with nltk + langdetect not available: no ratio)");
