"""Red-flag recall per level and false-escalation rate, through the trained model.

A positive counts as caught when the model escalates it (intent report_red_flag)
at its expected level or a more urgent one. A negative escalated is a false
escalation. Gated sets: positives.yml + negatives.yml and set2.yml; exit status 1
below 100% recall or above 2% false escalations. blind.yml was never used to tune
the detector: its figures are reported, not gated, as an honest generalisation check.
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


BASE = Path("tests/redflags")


def load_sets() -> tuple[list, list, list, list]:
    positives = yaml.safe_load((BASE / "positives.yml").read_text())["positives"]
    negatives = yaml.safe_load((BASE / "negatives.yml").read_text())["negatives"]
    set2 = yaml.safe_load((BASE / "set2.yml").read_text())
    blind_path = BASE / "blind.yml"
    blind = yaml.safe_load(blind_path.read_text()) if blind_path.exists() else {"positives": [], "negatives": []}
    return (positives + set2["positives"], negatives + set2["negatives"], blind["positives"], blind["negatives"])


def score(positives: list, negatives: list, results: list, verbose: bool) -> tuple[Counter, Counter, list]:
    pos_res, neg_res = results[: len(positives)], results[len(positives):]
    total, caught = Counter(), Counter()
    for case, res in zip(positives, pos_res):
        total[case["level"]] += 1
        got = level_of(res)
        if got is not None and RANK.get(got, 1) <= RANK[case["level"]]:
            caught[case["level"]] += 1
        elif verbose:
            print(f"MISSED ({case['level']}, got {got}): {case['text']}")
    false = [(n["text"], r) for n, r in zip(negatives, neg_res) if level_of(r)]
    for text, res in false if verbose else []:
        flags = [e["value"] for e in res.get("entities", []) if e.get("entity") == "red_flag"]
        print(f"FALSE ESCALATION ({', '.join(flags)}): {text}")
    return total, caught, false


def main() -> int:
    positives, negatives, blind_pos, blind_neg = load_sets()
    texts = [c["text"] for c in positives + negatives + blind_pos + blind_neg]
    results = parse_all(texts)
    gated = results[: len(positives) + len(negatives)]
    total, caught, false = score(positives, negatives, gated, verbose=True)
    rate = len(false) / len(negatives)
    print(f"{'level':<10} {'caught':>7} {'total':>6} {'recall':>7}")
    ok = True
    for level in ("emergency", "urgent"):
        recall = caught[level] / total[level] if total[level] else 0.0
        ok &= recall == 1.0
        print(f"{level:<10} {caught[level]:>7} {total[level]:>6} {recall:>7.1%}")
    print(f"false escalations: {len(false)}/{len(negatives)} = {rate:.1%} (limit {MAX_FALSE_RATE:.0%})")
    ok &= rate <= MAX_FALSE_RATE
    blind_line = ""
    if blind_pos:
        btotal, bcaught, bfalse = score(blind_pos, blind_neg, results[len(gated):], verbose=False)
        blind_line = (f"blind set (never tuned on): recall {sum(bcaught.values())}/{sum(btotal.values())}, "
                      f"false escalations {len(bfalse)}/{len(blind_neg)}")
        print(blind_line)
    Path("results").mkdir(exist_ok=True)
    Path("results/redflags.txt").write_text(
        f"emergency_recall={caught['emergency'] / max(total['emergency'], 1):.4f}\n"
        f"urgent_recall={caught['urgent'] / max(total['urgent'], 1):.4f}\n"
        f"false_escalation_rate={rate:.4f}\n{blind_line}\n"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
