"""The NLU hold-out is held out: no line of it is within difflib 0.8 of any training line
(case and punctuation ignored), so its figure measures words the model never saw."""

from __future__ import annotations

import difflib
import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent


def examples(path: Path) -> list[tuple[str, str]]:
    out = []
    for block in yaml.safe_load(path.read_text())["nlu"]:
        if "intent" in block:
            out += [(block["intent"], line.strip()[2:].strip()) for line in block["examples"].splitlines()
                    if line.strip().startswith("- ")]
    return out


def norm(text: str) -> str:
    return re.sub(r"[^a-z0-9 ]", "", text.lower()).strip()


def test_no_holdout_line_is_close_to_a_training_line():
    training = [norm(t) for f in sorted((ROOT / "data" / "nlu").glob("*.yml")) for _, t in examples(f)]
    close = []
    for intent, text in examples(ROOT / "tests" / "nlu" / "holdout.yml"):
        matcher = difflib.SequenceMatcher(None, norm(text), "")
        for other in training:
            matcher.set_seq2(other)
            if matcher.real_quick_ratio() >= 0.8 and matcher.quick_ratio() >= 0.8 and matcher.ratio() >= 0.8:
                close.append((intent, text, other))
                break
    assert close == []


def test_holdout_has_at_least_40_lines_per_intent():
    counts: dict[str, int] = {}
    for intent, _ in examples(ROOT / "tests" / "nlu" / "holdout.yml"):
        counts[intent] = counts.get(intent, 0) + 1
    assert counts and min(counts.values()) >= 40, counts
