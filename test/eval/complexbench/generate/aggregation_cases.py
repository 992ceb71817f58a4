"""Record upstream ComplexBench masking and aggregation for random records -> ../aggregation-reference.json.

Dev only. Usage: COMPLEXBENCH=/path/to/ComplexBench python3 aggregation_cases.py  (checkout @82f175f or later;
evaluation/aggregation.py is imported from there, never copied into this repository).
"""
import json, os, sys
sys.path.insert(0, os.path.join(os.environ["COMPLEXBENCH"], "evaluation"))
from aggregation import Lexical, Structure, Semantic, Utillity, aggregation, get_rely_judgment

import random
random.seed(5)
dims = Lexical + Structure + Semantic + Utillity + ["Weird"]
comps = ["And", "Chain", "Selection", "Nested"]
data = []
for m in range(120):
    nq = random.randint(1, 6)
    qs = []
    for j in range(nq):
        qs.append({"point_id": j, "question": "q", "rule": None,
                   "constraint_dimensions": random.sample(dims, random.randint(0, 2)),
                   "composition_types": random.sample(comps, random.randint(0, 2)),
                   "dep": sorted(random.sample(range(j), random.randint(0, min(j, 2)))) if j else []})
    data.append({"main_id": m, "group": f"g{random.randint(0, 35)}", "instruction": "i",
                 "task_types": random.choice(["Creative Writing", "Logical Reasoning", "Custom Writing"]),
                 "composition_types": random.sample(comps, random.randint(1, 3)),
                 "category": random.choice(["And_1", "Chain_2", "Selection_1", "Selection_and_2", "Nested_3"]),
                 "scoring_questions": qs,
                 "point_judges": [random.choice([True, True, False, 2]) for _ in range(nq)]})
import copy
outs = [get_rely_judgment(copy.deepcopy(d)) for d in data]
res = aggregation(outs)
res = {k: v for k, v in res.items() if "relative_drop" not in k}
out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "aggregation-reference.json")
json.dump({"data": data, "rely": [o["point_judges_rely"] for o in outs], "metrics": res}, open(out, "w"), ensure_ascii=False)
print(res["overall_drfr"], res["single_coherent_test"], res["multiple_coherent_test"])
