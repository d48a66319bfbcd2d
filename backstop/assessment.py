"""The assessment form's logic: which questions remain, and reading free-text answers.

Kept free of Rasa so it can be unit-tested directly; ``actions/`` wraps it.
"""

from __future__ import annotations

import re
from typing import Any, Mapping

from backstop import extract, knowledge

# Question order; eases_with_movement and others are picked up whenever mentioned.
FORM_SLOTS = (
    "pain_location", "pain_onset", "pain_character", "pain_side", "pain_radiates", "numbness",
    "leg_weakness", "red_flag_screen", "pain_duration", "pain_trend", "pain_severity", "exercise",
    "age_band",
)
YES_NO = {"numbness", "leg_weakness"}
UNKNOWN = "unknown"
OTHER_EXERCISE = "other"
ANSWER_INTENTS = {"inform", "describe_symptoms", "affirm", "deny", "dont_know", "nlu_fallback"}

HINTS = {
    "pain_location": "Is it your lower back, middle back or upper back? You can also say \"not sure\".",
    "pain_onset": "For example \"during the lift\", \"a few hours later\" or \"the next morning\".",
    "pain_character": "For example a dull ache, stiffness, sharp, burning or shooting pain.",
    "pain_side": "Is it on one side, on both sides, or in the middle of your back?",
    "pain_radiates": "Does it stay in your back, go into your buttock, down to the knee, or below the knee?",
    "numbness": "Please answer yes or no (or \"not sure\").",
    "leg_weakness": "Please answer yes or no (or \"not sure\").",
    "red_flag_screen": "Please tap the one that applies, say \"none of these\", or describe what happened.",
    "pain_duration": "Roughly how long: a day, a few days, a couple of weeks, or months?",
    "pain_trend": "Is it getting better, about the same, or getting worse?",
    "pain_severity": "Please give a number from 0 (no pain) to 10 (worst imaginable).",
    "exercise": "Which exercise were you doing, for example deadlifts, squats or running?",
    "age_band": "Please give your age as a number, for example 34.",
}

_NUMBER = re.compile(r"(?<![\d.])(\d{1,3}(?:\.\d)?)(?![\d.])")


def remaining_slots(slots: Mapping[str, Any]) -> list[str]:
    """Questions still to ask, in order. Numbness is only asked if the pain spreads."""
    todo = []
    for slot in FORM_SLOTS:
        if slot == "numbness" and slots.get("pain_radiates") == "none":
            continue
        if slots.get(slot) in (None, ""):
            todo.append(slot)
    return todo


def allowed_values(slot: str, kb: knowledge.KnowledgeBase) -> set[str]:
    if slot == "exercise":
        return set(kb.exercises) | {OTHER_EXERCISE, UNKNOWN}
    return set(kb.vocabulary.get(slot, {})) | {UNKNOWN}


def read_answer(slot: str, text: str, intent: str, ex: extract.Extractor | None = None) -> Any:
    """The value a free-text reply gives the question ``slot``; None when it gives none."""
    if intent == "dont_know":
        return UNKNOWN
    if slot in YES_NO and intent in {"affirm", "deny"}:
        return "yes" if intent == "affirm" else "no"
    if slot == "pain_radiates" and intent == "deny":
        return "none"
    if slot == "red_flag_screen" and intent == "deny":
        return "none"
    ex = ex or extract.default()
    for entity in ex.extract(text):
        if entity.entity == slot:
            return entity.value
    number = _NUMBER.search(text or "")
    if slot == "pain_severity" and number:
        return float(number.group(1))
    if slot == "age_band" and number:
        return extract.age_band(int(float(number.group(1))))
    if slot == "exercise" and intent in {"inform", "nlu_fallback"} and 0 < len(text.split()) <= 6:
        return OTHER_EXERCISE
    return None


def validate(slot: str, value: Any, kb: knowledge.KnowledgeBase | None = None) -> Any:
    """Canonical value for ``slot``, or None when the value cannot be used."""
    kb = kb or knowledge.default()
    if value is None:
        return None
    if slot == "pain_severity":
        try:
            number = float(value)
        except (TypeError, ValueError):
            return UNKNOWN if value == UNKNOWN else None
        return number if 0 <= number <= 10 else None
    value = str(value)
    return value if value in allowed_values(slot, kb) else None
