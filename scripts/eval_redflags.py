"""Red-flag evaluation through the trained model: recall per level and per red flag, false escalations.

Sets (tests/redflags/):
- TUNING: sets the detector was tuned on (listed in TUNING below, and the probes).
  Gated: 100% emergency and urgent recall, at most 1% false escalations.
- BLIND: written by someone who saw only DESIGN.md's red-flag table, never used for tuning.
  Reported, never gated. Once a blind set is used to tune, move it to TUNING and write a new one.

A positive is *escalated* when the model's intent is report_red_flag at its level or a more urgent
one, and *checked* when it gets the conditional safety reply (check_red_flag). A negative escalated
is a false escalation; a negative checked is reported apart (a question, not an escalation).
"""

from __future__ import annotations

import sys
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
from nlu_model import parse_all  # noqa: E402

BASE = Path("tests/redflags")
TUNING = ["positives.yml", "negatives.yml", "set2.yml", "blind.yml", "blind3.yml", "blind4.yml", "blind5.yml",
          "blind6.yml", "blind7.yml", "blind8.yml", "blind9.yml",
          "blind10.yml", "blind11.yml"]
# read to fix its misses, not yet gated: it joins TUNING once it passes the gate
BEING_TUNED: list[str] = ["blind12.yml", "blind13.yml", "blind14.yml", "blind15.yml", "blind16.yml"]
# empty until a new blind set is written: blind16 (first contact 89.4% recall, 3.0% false) was read in session 13
BLIND: list[str] = []
RANK = {"emergency": 0, "urgent": 1}
MAX_FALSE_RATE = 0.01


def outcome(result: dict[str, Any]) -> tuple[str, str | None]:
    """("escalate", level) | ("check", None) | ("none", None) for one parse result."""
    intent = (result.get("intent") or {}).get("name")
    if intent == "report_red_flag":
        levels = [e["value"] for e in result.get("entities", []) if e.get("entity") == "triage_level"]
        return "escalate", levels[0] if levels else "urgent"
    return ("check", None) if intent == "check_red_flag" else ("none", None)


def load(names: list[str]) -> tuple[list[dict], list[dict]]:
    positives, negatives = [], []
    for name in names:
        data = yaml.safe_load((BASE / name).read_text())
        positives += data.get("positives") or []
        negatives += data.get("negatives") or []
    return positives, negatives


def report(title: str, positives: list[dict], negatives: list[dict], results: list[dict], verbose: bool) -> dict:
    total, escalated, checked = Counter(), Counter(), Counter()
    per_flag: dict[str, Counter] = defaultdict(Counter)
    for case, res in zip(positives, results):
        kind, level = outcome(res)
        ok = kind == "escalate" and RANK.get(level, 1) <= RANK[case["level"]]
        total[case["level"]] += 1
        escalated[case["level"]] += ok
        checked[case["level"]] += kind == "check"
        if case.get("flag"):
            per_flag[case["flag"]]["total"] += 1
            per_flag[case["flag"]]["escalated"] += ok
        if not ok and verbose:
            print(f"MISSED ({case['level']}, got {kind} {level or ''}): {case['text']}")
    neg_results = results[len(positives):]
    false = [n for n, r in zip(negatives, neg_results) if outcome(r)[0] == "escalate"]
    neg_checked = sum(outcome(r)[0] == "check" for r in neg_results)
    if verbose:
        for n in false:
            print(f"FALSE ESCALATION: {n['text']}")
    print(f"\n== {title}")
    print(f"{'level':<10} {'escalated':>9} {'total':>6} {'recall':>7}   conditional reply instead")
    for level in ("emergency", "urgent"):
        n = total[level]
        print(f"{level:<10} {escalated[level]:>9} {n:>6} {escalated[level] / max(n, 1):>7.1%}   {checked[level]}")
    both = sum(escalated.values()) / max(sum(total.values()), 1)
    rate = len(false) / max(len(negatives), 1)
    print(f"emergency+urgent recall: {both:.1%}")
    print(f"false escalations: {len(false)}/{len(negatives)} = {rate:.1%}; conditional replies on negatives: "
          f"{neg_checked}/{len(negatives)}")
    if per_flag:
        print("per red flag: " + ", ".join(f"{f} {c['escalated']}/{c['total']}" for f, c in sorted(per_flag.items())))
    return {"recall": {lv: escalated[lv] / max(total[lv], 1) for lv in RANK}, "false_rate": rate, "both": both}


def thresholds(positives: list[dict], pos_results: list[dict], neg_results: list[dict]) -> None:
    """How often the learned signal (classifier confidence in report_red_flag) reaches each threshold on
    the tuning positives and negatives: what backstop.redflags.CLASSIFIER_CHECK_THRESHOLD is set from."""
    def conf(r: dict) -> float:
        return float((r.get("red_flag_signal") or {}).get("classifier", 0.0))

    print("learned signal: share of messages at or above a threshold (tuning sets)")
    for t in (0.5, 0.7, 0.8, 0.9, 0.95, 0.98):
        pos = sum(conf(r) >= t for r in pos_results) / max(len(pos_results), 1)
        neg = sum(conf(r) >= t for r in neg_results) / max(len(neg_results), 1)
        print(f"  >= {t:.2f}: positives {pos:.0%}, hard negatives {neg:.0%}")


def main() -> int:
    tuning_pos, tuning_neg = load(TUNING)
    probes = yaml.safe_load((BASE / "probes.yml").read_text())["probes"]
    blind_pos, blind_neg = load(BLIND)
    work_pos, work_neg = load(BEING_TUNED)
    groups = [tuning_pos, tuning_neg, [{"text": p["text"]} for p in probes], blind_pos, blind_neg, work_pos, work_neg]
    results = parse_all([c["text"] for group in groups for c in group])
    cut = [0]
    for group in groups:
        cut.append(cut[-1] + len(group))
    part = [results[cut[i]:cut[i + 1]] for i in range(len(groups))]

    tuning = report("TUNING sets (gated)", tuning_pos, tuning_neg, part[0] + part[1], verbose=True)
    thresholds(tuning_pos, part[0], part[1])
    probe_failures = []
    for probe, res in zip(probes, part[2]):
        kind, level = outcome(res)
        if probe["expect"] == "escalate":
            ok = kind == "escalate" and RANK.get(level, 1) <= RANK[probe["level"]]
        else:
            ok = kind == "none" or (probe["expect"] == "not_escalated" and kind == "check")
        if not ok:
            probe_failures.append(f"PROBE ({probe['expect']}, got {kind} {level or ''}): {probe['text']}")
    print("\n".join(probe_failures))
    print(f"probes: {len(probes) - len(probe_failures)}/{len(probes)} as expected")
    if work_pos or work_neg:
        report(f"BEING TUNED ({', '.join(BEING_TUNED)}; reported, not gated yet)", work_pos, work_neg,
               part[5] + part[6], verbose=True)
    lines = (f"tuning_emergency_recall={tuning['recall']['emergency']:.4f}\n"
             f"tuning_urgent_recall={tuning['recall']['urgent']:.4f}\n"
             f"tuning_false_escalation_rate={tuning['false_rate']:.4f}\n")
    if BLIND:
        blind = report(f"BLIND sets ({', '.join(BLIND)}: never tuned on; reported, not gated)", blind_pos, blind_neg,
                       part[3] + part[4], verbose=False)
        lines += f"blind_recall={blind['both']:.4f}\nblind_false_escalation_rate={blind['false_rate']:.4f}\n"
    else:
        print("\n== BLIND sets: none (every set has been read; a new one must be written before tuning on it)")

    Path("results").mkdir(exist_ok=True)
    Path("results/redflags.txt").write_text(lines)
    ok = (tuning["recall"]["emergency"] == 1.0 and tuning["recall"]["urgent"] == 1.0
          and tuning["false_rate"] <= MAX_FALSE_RATE and not probe_failures)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
