"""Record upstream CFBench judge parsing and metrics for random judge outputs -> ../evaluate-reference.json.

Dev only. Usage: CFBENCH=/path/to/CFBench python3 evaluate_cases.py  (checkout @0bcbf9b; code/evalaute.py is imported
from there, never copied into this repository; it needs numpy, pandas, arrow, tqdm and openpyxl importable).
"""
import json, os, random, sys
import numpy as np
sys.path.insert(0, os.path.join(os.environ["CFBENCH"], "code"))
from evalaute import Evaluation

random.seed(11)
ev = Evaluation.__new__(Evaluation)  # the methods used below need no constructor state


def get_judge_scores(judge_response, criteria):
    return ev._get_judge_scores({"judge_response": judge_response, "criteria": [[c] for c in criteria]})


def guaranteed(judge_response):
    return ev._get_judge_scores_guaranteed({"judge_response": judge_response})


def score_compute(judge_score, parsing, criteria):
    m = ev._score_compute({"judge_score": judge_score, "judge_parsing": parsing, "criteria": criteria})
    return {"CSR": float(m["CSR"]), "ISR": m["ISR"], "PSR": m["PSR"]}


texts = ["主题正确", "字数不超过100字", "使用“您”", "格式为JSON", "第一段\n\n第二段", "语言优美"]
cases = []
for _ in range(400):
    n = random.randint(1, 5)
    crit = [[random.choice(texts), random.choice(["主需", "次需"]), "", ""] for _ in range(n)]
    lines = []
    for c in crit:
        s = random.choice(["1", "0", "1", "0", "1.0", " 1", "2", "0.5"])
        t = c[0] if random.random() < 0.85 else c[0] + "。"
        sep = "\t" if random.random() < 0.9 else " "
        lines.append(t + sep + s)
    joiner = "\n\n" if random.random() < 0.8 else "\n"
    resp = joiner.join(lines)
    if random.random() < 0.1: resp = resp + "\n"
    if random.random() < 0.05: resp = "好的\n" + resp
    strict = get_judge_scores(resp, [c[0] for c in crit])
    if strict:
        parsing, scores = "1", strict
    else:
        try:
            g = guaranteed(resp)
        except Exception as e:
            cases.append({"criteria": crit, "response": resp, "crash": True}); continue
        if not g: parsing, scores = "-1", ["0"]
        else: parsing, scores = "0", g
    try:
        m = score_compute(scores, parsing, crit)
    except Exception as e:
        cases.append({"criteria": crit, "response": resp, "strict": strict, "crash": True}); continue
    cases.append({"criteria": crit, "response": resp, "strict": strict, "judge_score": scores, "judge_parsing": parsing, "metric": m, "split": random.choice(["easy", "hard"])})
ok = [c for c in cases if "metric" in c]
def agg(xs): return None if not xs else float(round(np.mean(xs), 2))
scores = {}
for sp in ["easy", "hard", None]:
    sel = [c for c in ok if sp is None or c["split"] == sp]
    for k in ["CSR", "ISR", "PSR"]:
        scores[k + ("_" + sp if sp else "")] = agg([c["metric"][k] for c in sel])
out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "evaluate-reference.json")
json.dump({"cases": cases, "scores": scores}, open(out, "w"), ensure_ascii=False)
import collections
print(len(cases), collections.Counter(c.get("judge_parsing", "crash") for c in cases), scores)
