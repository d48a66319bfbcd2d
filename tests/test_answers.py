"""Answer readers on replies written by someone who never saw them (tests/answers_phrasings.yml),
plus the reading rules the form depends on."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from backstop import answers

PHRASINGS = yaml.safe_load((Path(__file__).parent / "answers_phrasings.yml").read_text())
CASES = [(slot, c["text"], c["expect"]) for slot, cases in PHRASINGS.items() for c in cases]


def expected_value(slot: str, expect: object) -> object:
    if slot == "pain_severity" and expect not in (None, "unknown"):
        return float(expect)
    return expect


@pytest.mark.parametrize("slot,text,expect", CASES, ids=[f"{s}:{t[:30]}" for s, t, _ in CASES])
def test_reader(slot, text, expect):
    assert answers.read(slot, text, "inform") == expected_value(slot, expect)


def test_every_question_has_at_least_15_phrasings():
    assert all(len(cases) >= 15 for cases in PHRASINGS.values())


def test_a_range_is_read_as_its_upper_end():
    assert answers.read("pain_severity", "3 or 4", "inform") == 4.0


def test_see_doctor_facts_are_read_from_any_reply():
    assert answers.read_serious("I had chemo for lymphoma two years ago", "inform", []) == {"history_cancer": "yes"}
    assert answers.read_serious("my mum had breast cancer", "inform", []) == {}
    assert answers.read_serious("I've lost weight but I'm cutting on purpose", "inform", []) == {}
    assert answers.read_serious("it wakes me every night", "inform", []) == {"night_pain": "yes"}
