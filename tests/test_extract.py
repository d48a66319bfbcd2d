"""Entity extraction from free text: several answers from one message, negation, numbers."""

from __future__ import annotations

import pytest

from backstop import extract


def values(extractor, text):
    return {e.entity: e.value for e in extractor.extract(text) if e.entity != "topic"}


def test_opening_message_answers_several_questions(extractor):
    got = values(extractor, "sharp pain on the left after deadlifts this morning, goes down my leg")
    assert got["pain_character"] == "sharp"
    assert got["pain_side"] == "one_side"
    assert got["exercise"] == "deadlift"
    assert got["pain_radiates"] == "below_knee"


def test_negated_numbness_is_no(extractor):
    assert values(extractor, "no numbness or tingling")["numbness"] == "no"
    assert values(extractor, "some tingling in my foot")["numbness"] == "yes"


def test_numbers(extractor):
    assert values(extractor, "it's a 7/10")["pain_severity"] == 7.0
    assert values(extractor, "I'm 52")["age_band"] == "50_plus"
    assert values(extractor, "for about 3 weeks")["pain_duration"] == "1_to_6_weeks"
    assert values(extractor, "10 days now")["pain_duration"] == "1_to_6_weeks"


def test_duration_bands():
    assert extract.duration_band(1, "day") == "under_2_days"
    assert extract.duration_band(5, "days") == "2_to_7_days"
    assert extract.duration_band(2, "weeks") == "1_to_6_weeks"
    assert extract.duration_band(3, "months") == "over_6_weeks"


def test_topics_for_questions(extractor):
    topics = {e.value for e in extractor.extract("should I use ice or heat for DOMS?") if e.entity == "topic"}
    assert {"remedies:ice", "remedies:heat", "causes:doms"} <= topics


def test_gym_slang_for_exercises(extractor):
    assert values(extractor, "RDLs yesterday")["exercise"] == "deadlift"


def test_empty_and_odd_input(extractor):
    assert extractor.extract("") == []
    assert extractor.extract("\u200b\u202e💥💥") == []
    assert extractor.extract("<script>alert(1)</script>") == []


@pytest.mark.parametrize("text", ["I'm 52 years old", "started a few hours after spin class", "worse than yesterday",
                                  "a couple of days later it stiffened up", "I swim three mornings a week",
                                  "I lift 4 days a week", "I row twice a week at the club"])
def test_an_age_an_onset_or_a_comparison_is_not_a_duration(text):
    assert "pain_duration" not in {e.entity for e in extract.default().extract(text)}


@pytest.mark.parametrize("text,band", [("had it for 3 weeks", "1_to_6_weeks"), ("since yesterday", "under_2_days"),
                                       ("on and off for years", "over_6_weeks"),
                                       # how often they train is not how long it has hurt
                                       ("I cycle 5 days a week and it has ached for almost a month", "1_to_6_weeks")])
def test_durations_of_the_pain_are_read(text, band):
    assert {e.entity: e.value for e in extract.default().extract(text)}["pain_duration"] == band
