"""Triage engine: every rule of knowledge/triage_rules.yml, the cause ranking and the vignettes."""

from __future__ import annotations

import pytest

from backstop import triage

CLEAN = {"leg_weakness": "no", "numbness": "no", "pain_radiates": "none", "age_band": "18_to_49",
         "pain_trend": "improving", "pain_duration": "under_2_days", "pain_severity": 4}


def with_(**changes):
    return {**CLEAN, **changes}


def test_doms_pattern_is_self_care_with_doms_first():
    result = triage.assess(with_(pain_onset="next_day", pain_side="both_sides", pain_character="dull_ache",
                                 eases_with_movement="yes"))
    assert result.level == "self_care"
    assert result.cause_ids[0] == "doms"
    assert "started hours after training or the next day" in result.causes[0].reasons


def test_sharp_one_sided_during_lift_is_strain_self_care():
    result = triage.assess(with_(pain_onset="during_exercise", pain_side="one_side", pain_character="sharp",
                                 exercise="deadlift"))
    assert result.level == "self_care"
    assert result.cause_ids[0] == "muscle_strain"


def test_below_knee_with_tingling_no_weakness_is_see_doctor_with_nerve_causes():
    result = triage.assess(with_(pain_radiates="below_knee", numbness="yes", pain_character="shooting",
                                 pain_side="one_side"))
    assert result.level == "see_doctor"
    assert {"sciatica", "herniated_disc"} & set(result.cause_ids[:2])


@pytest.mark.parametrize("answers,level,reason_word", [
    (with_(leg_weakness="yes"), "urgent", "weak"),
    (with_(numbness="yes"), "see_doctor", "numbness"),
    (with_(pain_radiates="below_knee"), "see_doctor", "knee"),
    (with_(pain_trend="worsening", pain_duration="2_to_7_days"), "see_doctor", "worse"),
    (with_(pain_trend="same", pain_duration="1_to_6_weeks"), "see_doctor", "week"),
    (with_(pain_trend=None, pain_duration="over_6_weeks"), "see_doctor", "week"),
    (with_(age_band="50_plus"), "see_doctor", "50"),
    (with_(pain_severity=9), "see_doctor", "severe"),
    (with_(self_care_failed="yes", pain_duration="2_to_7_days"), "see_doctor", "tried"),
    (with_(pain_both_legs="yes"), "urgent", "both legs"),
])
def test_each_rule(answers, level, reason_word):
    result = triage.assess(answers)
    assert result.level == level
    assert any(reason_word in r for r in result.level_reasons)


def test_worsening_in_the_first_two_days_alone_stays_self_care():
    assert triage.assess(with_(pain_trend="worsening", pain_duration="under_2_days")).level == "self_care"


def test_most_urgent_rule_wins():
    result = triage.assess(with_(leg_weakness="yes", numbness="yes", pain_radiates="below_knee"))
    assert result.level == "urgent"
    assert result.level_reasons[0] == "your leg or foot feels weak"


def test_vignette_lifting_boxes_improving_is_self_care():
    """38-year-old, one-sided lower-back ache and spasm two weeks after lifting boxes,
    normal nerves, improving on ibuprofen."""
    answers = {"pain_location": "lower_back", "pain_side": "one_side", "pain_character": "spasm",
               "pain_onset": "during_exercise", "pain_duration": "1_to_6_weeks", "pain_trend": "improving",
               "pain_radiates": "none", "numbness": "no", "leg_weakness": "no", "age_band": "18_to_49",
               "pain_severity": 4}
    result = triage.assess(answers)
    assert result.level == "self_care"
    assert {"muscle_strain", "muscle_spasm"} & set(result.cause_ids)


def test_vignette_shovelling_with_foot_drop_is_urgent():
    """35-year-old, low back pain three weeks after heavy shovelling, now a foot drop."""
    answers = {"pain_location": "lower_back", "pain_duration": "1_to_6_weeks", "leg_weakness": "yes",
               "pain_radiates": "below_knee", "age_band": "18_to_49"}
    assert triage.assess(answers).level == "urgent"


def test_nothing_known_is_not_self_care_because_leg_weakness_is_not_ruled_out():
    result = triage.assess({})
    assert result.level == "see_doctor"
    assert result.level_reasons == ("weakness in a leg was not ruled out",)
    assert result.causes == ()


def test_severity_bands():
    assert [triage.severity_band(v) for v in (0, 3, 4, 7.5, 8, "x", None)] == [
        "mild", "mild", "moderate", "moderate", "severe", "unknown", "unknown"]
