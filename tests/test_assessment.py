"""The form's logic: which questions remain, and the re-ask policy's values."""

from __future__ import annotations

from backstop import assessment


def test_questions_follow_the_form_order_and_skip_answered():
    todo = assessment.remaining_slots({"pain_location": "lower_back", "exercise": "deadlift"})
    assert todo[0] == "pain_onset"
    assert "exercise" not in todo and "pain_location" not in todo


def test_numbness_is_not_asked_when_pain_stays_in_the_back():
    assert "numbness" not in assessment.remaining_slots({"pain_radiates": "none"})
    assert "numbness" in assessment.remaining_slots({"pain_radiates": "below_knee"})


def test_trend_is_not_asked_for_pain_under_two_days():
    assert "pain_trend" not in assessment.remaining_slots({"pain_duration": "under_2_days"})
    assert "pain_trend" in assessment.remaining_slots({"pain_duration": "2_to_7_days"})


def test_every_item_of_the_triage_table_is_screened():
    assert set(assessment.SCREENS) <= set(assessment.FORM_SLOTS)
    assert {"leg_weakness", "numbness", "pain_duration", "pain_trend", "age_band"} <= set(assessment.FORM_SLOTS)


def test_an_unanswered_screen_is_not_ruled_out():
    assert assessment.give_up_value("screen_cauda") == "not_ruled_out"
    assert assessment.give_up_value("pain_side") == "unknown"


def test_validate_rejects_values_outside_the_knowledge_base():
    assert assessment.validate("pain_side", "one_side") == "one_side"
    assert assessment.validate("pain_side", "sideways") is None
    assert assessment.validate("pain_severity", 11) is None
    assert assessment.validate("pain_severity", "7") == 7.0
    assert assessment.validate("exercise", "deadlift") == "deadlift"
    assert assessment.validate("exercise", "unknown") == "unknown"
    assert assessment.validate("screen_cauda", "none") == "none"
