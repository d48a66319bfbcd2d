"""Red-flag recall per level and false-escalation rate, through the trained model.

A positive counts as caught when the model escalates it (intent report_red_flag)
at its expected level or a more urgent one. A negative escalated is a false
escalation. Exit status 1 below 100% recall or above 2% false escalations.
"""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
from nlu_model import parse_all  # noqa: E402

RANK = {"emergency": 0, "urgent": 1}
MAX_FALSE_RATE = 0.02


def level_of(result: dict) -> str | None:
    if (result.get("intent") or {}).get("name") != "report_red_flag":
        return None
    levels = [e["value"] for e in result.get("entities", []) if e.get("entity") == "triage_level"]
    return levels[0] if levels else "urgent"


def main() -> int:
    base = Path("tests/redflags")
    positives = yaml.safe_load((base / "positives.yml").read_text())["positives"]
    negatives = yaml.safe_load((base / "negatives.yml").read_text())["negatives"]
    results = parse_all([p["text"] for p in positives] + [n["text"] for n in negatives])
    pos_res, neg_res = results[: len(positives)], results[len(positives):]
    total, caught = Counter(), Counter()
    for case, res in zip(positives, pos_res):
        total[case["level"]] += 1
        got = level_of(res)
        if got is not None and RANK.get(got, 1) <= RANK[case["level"]]:
            caught[case["level"]] += 1
        else:
            print(f"MISSED ({case['level']}, got {got}): {case['text']}")
    false = [(n["text"], r) for n, r in zip(negatives, neg_res) if level_of(r)]
    for text, res in false:
        flags = [e["value"] for e in res.get("entities", []) if e.get("entity") == "red_flag"]
        print(f"FALSE ESCALATION ({', '.join(flags)}): {text}")
    rate = len(false) / len(negatives)
    print(f"{'level':<10} {'caught':>7} {'total':>6} {'recall':>7}")
    ok = True
    for level in ("emergency", "urgent"):
        recall = caught[level] / total[level] if total[level] else 0.0
        ok &= recall == 1.0
        print(f"{level:<10} {caught[level]:>7} {total[level]:>6} {recall:>7.1%}")
    print(f"false escalations: {len(false)}/{len(negatives)} = {rate:.1%} (limit {MAX_FALSE_RATE:.0%})")
    ok &= rate <= MAX_FALSE_RATE
    Path("results").mkdir(exist_ok=True)
    Path("results/redflags.txt").write_text(
        f"emergency_recall={caught['emergency'] / max(total['emergency'], 1):.4f}\n"
        f"urgent_recall={caught['urgent'] / max(total['urgent'], 1):.4f}\n"
        f"false_escalation_rate={rate:.4f}\n"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
