"""Record upstream ComplexBench rule verdicts for random (rule, spans) cases -> ../con-rule-reference.json.

Dev only. Usage: COMPLEXBENCH=/path/to/ComplexBench python3 con_rule_cases.py  (checkout @82f175f or later;
the upstream file evaluation/con_rule.py is imported from there, never copied into this repository).
"""
import sys, json, random, os
sys.path.insert(0, os.path.join(os.environ["COMPLEXBENCH"], "evaluation"))
import con_rule
random.seed(20241122)
words = ["春天", "秋天", "Hello", "world", "AI", "完成", "谢谢", "场景", "None", "a,b", "结尾!", "“引号”", "你好", "再见", "？", "。", "!", "...", "3.5", "标题"]
phr = ["完成", "谢谢", "你好", "场景", "Hello", "结尾!", "a,b", "以下为修正内容", "再见。", "吗", "“好”"]
def rand_text():
    parts = []
    for _ in range(random.randint(0, 6)):
        parts.append(random.choice(words + [" ", "\n", "，", ",", "。", "!", "？", "?", '"', "“", "”", "`", "{", "}", ":", "😀"]))
    s = "".join(parts)
    if random.random() < 0.15:
        s = json.dumps({random.choice(["名字","年龄","a"]): 1, random.choice(["b","年龄"]): [1, 2]}, ensure_ascii=False)
        if random.random() < 0.5: s = "结果：```json\n" + s + "\n``` 完成"
    if random.random() < 0.1: s = '"' + s + '"'
    if random.random() < 0.1: s = "\n" + s
    return s
def rand_list():
    return "[" + ",".join(random.choice(["春天", " 秋天", "Hello", "AI ", "a", "?", "。", "！", ",", "，"]) for _ in range(random.randint(1, 3))) + "]"
def rand_range():
    a = random.randint(0, 8); b = a + random.randint(0, 8)
    return random.choice([f"[{a},{b}]", f"[{a}, {b}]", f"({a},{b})"])
def rand_rule():
    k = random.choice([
        "keyword", "forbidden_word", "startswith", "endswith", "not endswith", "match", "length", "length_word",
        "Json", "constraint_punc", "kwfw", "se",
        "model_keyword", "model_keyword_each", "model_keyword_num", "model_keyword_num_each", "kn_fw_each",
        "model_forbidden_word", "model_forbidden_word_each", "model_number_each", "model_length", "model_length_each",
        "model_length_word", "model_length_word_each", "model_startswith", "model_startswith_each",
        "model_starts_with_list_each", "mse", "model_endswith", "model_endswith_each", "model_constraint_punc",
        "model_constraint_punc_each", "model_not_startswith", "model_not_endswith", "model_not_endswith_each",
        "model_other", "other_each", "unknown"])
    if k in ("keyword", "forbidden_word", "constraint_punc", "model_keyword", "model_keyword_each", "model_forbidden_word", "model_forbidden_word_each", "model_constraint_punc", "model_constraint_punc_each", "model_starts_with_list_each"):
        return f"{k}:{rand_list()}"
    if k in ("startswith", "endswith", "not endswith", "match", "model_startswith", "model_startswith_each", "model_endswith", "model_endswith_each", "model_not_startswith", "model_not_endswith", "model_not_endswith_each"):
        return f"{k}:{random.choice(phr)}" + random.choice(["", "", "\n"])
    if k in ("length", "length_word", "model_number_each", "model_length", "model_length_each", "model_length_word", "model_length_word_each"):
        return f"{k}:{rand_range()}"
    if k == "Json": return random.choice(['Json:["名字", "年龄"]', "Json:['a','b']", "Json:[]", 'Json:["a"]', ' Json:["名字","年龄"] '])
    if k == "kwfw": return random.choice(["keyword:[春天]\nforbidden_word:[秋天]", "keyword:[春天] forbidden_word:[秋天]", "forbidden_word:[秋天]\nkeyword:[春天]"])
    if k == "se": return f"startswith:{random.choice(phr)}\nendswith:{random.choice(phr)}"
    if k == "mse": return f"model_startswith:{random.choice(phr)}\nmodel_endswith:{random.choice(phr)}"
    if k == "model_keyword_num": return f"model_keyword_num:[{random.randint(0,2)},{random.randint(1,3)},春天,秋天, AI]"
    if k == "model_keyword_num_each": return f"model_keyword_num_each:[{random.randint(0,2)},{random.randint(1,3)},春天,秋天]"
    if k == "kn_fw_each": return f"model_keyword_num_each:[1,2,春天,秋天]\nmodel_forbidden_word_each:[AI,Hello]"
    if k == "model_other": return "model_whatever:[1]"
    if k == "other_each": return "foo_each:[1]"
    return "bar:[1]"
cases = []
for _ in range(2500):
    point = rand_rule()
    n = random.choice([0, 1, 1, 1, 2, 3])
    rs = [rand_text() for _ in range(n)]
    if random.random() < 0.05: rs = [""]
    try:
        v = con_rule.decompose_judge(point, list(rs))
        out = v if v == 2 else bool(v)
        cases.append({"rule": point, "spans": rs, "verdict": out})
    except Exception as e:
        cases.append({"rule": point, "spans": rs, "crash": type(e).__name__})
out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "con-rule-reference.json")
json.dump(cases, open(out, "w"), ensure_ascii=False)
import collections
print(len(cases), collections.Counter(str(c.get("verdict", c.get("crash"))) for c in cases))
