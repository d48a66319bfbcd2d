"""The assessment form's logic: which questions remain, the re-ask policy and what counts as known.

Kept free of Rasa so it can be unit-tested directly; ``actions/`` wraps it. Reading a reply is
``backstop.answers``' job; this module decides what the form does with what was read.
"""

from __future__ import annotations

from typing import Any, Mapping

from backstop import knowledge

# Question order. The three safety screens group DESIGN.md's emergency, urgent and see-doctor
# items; pain_trend is only asked once the pain has lasted two days or more.
FORM_SLOTS = (
    "pain_location", "pain_onset", "pain_character", "pain_side", "pain_radiates", "numbness",
    "leg_weakness", "screen_cauda", "screen_infection", "screen_serious", "pain_duration", "pain_trend",
    "pain_severity", "exercise", "age_band",
)
SCREENS = ("screen_cauda", "screen_infection", "screen_serious")
# see-doctor facts that may be mentioned anywhere in the session (and set a floor on the level)
FACTS = ("history_cancer", "weight_loss", "night_pain")
# other facts the triage rules read: said in passing, or derived from an answer
OTHER_FACTS = ("eases_with_movement", "self_care_failed", "pain_both_legs")
UNKNOWN = "unknown"
NOT_RULED_OUT = "not_ruled_out"  # a safety screen left unanswered: never read as "no"
OTHER_EXERCISE = "other"
MAX_ASKS = 2  # a question is asked at most twice, then recorded as unknown
# intents that end or interrupt the form whatever the reply says
NEVER_AN_ANSWER = {"stop", "goodbye", "report_red_flag", "request_human"}
# intents whose reply is read as an answer even when no reader finds the asked question in it
ANSWER_INTENTS = {"inform", "describe_symptoms", "affirm", "deny", "dont_know", "nlu_fallback"}

HINTS = {
    "pain_location": "Is it your lower back, middle back or upper back? You can also say \"not sure\".",
    "pain_onset": "For example \"during the lift\", \"a few hours later\", \"the next morning\" or \"gradually\".",
    "pain_character": "For example a dull ache, stiffness, sharp, burning or shooting pain.",
    "pain_side": "Is it on one side, on both sides, or in the middle of your back?",
    "pain_radiates": "Does it stay in your back, or go into your buttock, down to the knee, or below the knee?",
    "numbness": "For example \"no\", or \"yes, tingling in my foot\".",
    "leg_weakness": "For example \"no\", or \"yes, my foot catches when I walk\".",
    "screen_cauda": "Please say \"none of these\", or tell me which one you've had.",
    "screen_infection": "Please say \"none of these\", or tell me which one applies.",
    "screen_serious": "Please say \"none of these\", or tell me which one applies.",
    "pain_duration": "Roughly how long: a day, a few days, a couple of weeks, or months?",
    "pain_trend": "Is it getting better, about the same, or getting worse?",
    "pain_severity": "A number from 0 (no pain) to 10 (worst imaginable), for example 4.",
    "exercise": "Which exercise were you doing, for example deadlifts, squats or running?",
    "age_band": "Your age as a number, for example 34.",
}


def required(slots: Mapping[str, Any]) -> list[str]:
    """The form's questions for what is known so far (Rasa's required_slots)."""
    out = []
    for slot in FORM_SLOTS:
        if slot == "numbness" and slots.get("pain_radiates") == "none":
            continue
        if slot == "pain_trend" and slots.get("pain_duration") == "under_2_days":
            continue
        out.append(slot)
    return out


def remaining_slots(slots: Mapping[str, Any]) -> list[str]:
    """Questions still to ask, in order."""
    return [s for s in required(slots) if slots.get(s) in (None, "")]


def allowed_values(slot: str, kb: knowledge.KnowledgeBase) -> set[str]:
    if slot == "exercise":
        return set(kb.exercises) | {OTHER_EXERCISE, UNKNOWN}
    if slot in SCREENS:
        return {"none", "yes", NOT_RULED_OUT}
    return set(kb.vocabulary.get(slot, {})) | {UNKNOWN}


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


def give_up_value(slot: str) -> str:
    """What an unanswered question is recorded as after MAX_ASKS: a screen is not ruled out."""
    return NOT_RULED_OUT if slot in SCREENS else UNKNOWN
