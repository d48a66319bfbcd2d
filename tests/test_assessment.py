"""The form's logic: which questions remain, and reading free-text answers."""

from __future__ import annotations

from backstop import assessment


def test_questions_follow_the_form_order_and_skip_answered():
    todo = assessment.remaining_slots({"pain_location": "lower_back", "exercise": "deadlift"})
    assert todo[0] == "pain_onset"
    assert "exercise" not in todo and "pain_location" not in todo


def test_numbness_is_not_asked_when_pain_stays_in_the_back():
    assert "numbness" not in assessment.remaining_slots({"pain_radiates": "none"})
    assert "numbness" in assessment.remaining_slots({"pain_radiates": "below_knee"})


def test_dont_know_is_an_answer():
    assert assessment.read_answer("pain_onset", "no idea", "dont_know") == "unknown"


def test_yes_no_questions():
    assert assessment.read_answer("numbness", "yep", "affirm") == "yes"
    assert assessment.read_answer("leg_weakness", "nope", "deny") == "no"
    assert assessment.read_answer("pain_radiates", "no", "deny") == "none"
    assert assessment.read_answer("red_flag_screen", "no", "deny") == "none"


def test_free_text_answers():
    assert assessment.read_answer("pain_onset", "the next morning", "inform") == "next_day"
    assert assessment.read_answer("pain_severity", "6", "inform") == 6.0
    assert assessment.read_answer("age_band", "34", "inform") == "18_to_49"
    assert assessment.read_answer("exercise", "pull ups", "inform") == "other"
    assert assessment.read_answer("pain_side", "banana", "inform") is None


def test_validate_rejects_values_outside_the_knowledge_base():
    assert assessment.validate("pain_side", "one_side") == "one_side"
    assert assessment.validate("pain_side", "sideways") is None
    assert assessment.validate("pain_severity", 11) is None
    assert assessment.validate("pain_severity", "7") == 7.0
    assert assessment.validate("exercise", "deadlift") == "deadlift"
    assert assessment.validate("exercise", "unknown") == "unknown"
