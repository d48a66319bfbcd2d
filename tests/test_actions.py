"""Custom actions with rasa_sdk's real CollectingDispatcher and Tracker objects."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from rasa_sdk import Tracker
from rasa_sdk.events import ActiveLoop
from rasa_sdk.executor import CollectingDispatcher

from actions import actions
from backstop import audit

DOMAIN: dict[str, Any] = {"slots": {}, "forms": {}, "responses": {}}


def tracker(slots: dict | None = None, intent: str = "inform", text: str = "", entities: list | None = None,
            active_loop: str | None = None, channel: str = "rest", mapped: dict | None = None) -> Tracker:
    """``slots`` were set before this message; ``mapped`` by the domain's slot mappings on reading it."""
    earlier = [{"event": "slot", "name": k, "value": v} for k, v in (slots or {}).items()]
    now = [{"event": "slot", "name": k, "value": v} for k, v in (mapped or {}).items()]
    return Tracker(
        sender_id="test-user",
        slots={"requested_slot": None, **(slots or {}), **(mapped or {})},
        latest_message={"intent": {"name": intent, "confidence": 0.99}, "text": text,
                        "entities": entities or []},
        events=[*earlier, {"event": "user", "text": text, "input_channel": channel}, *now],
        paused=False,
        followup_action=None,
        active_loop={"name": active_loop} if active_loop else {},
        latest_action_name="action_listen",
    )


def run(action, t: Tracker) -> tuple[CollectingDispatcher, list]:
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, t, DOMAIN))
    return dispatcher, events


def texts(dispatcher: CollectingDispatcher) -> str:
    return "\n".join(m.get("text") or "" for m in dispatcher.messages)


def slot_events(events) -> dict:
    """Slots an action set, without the form's own bookkeeping of the next question."""
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot" and e["name"] != "requested_slot"}


@pytest.fixture(autouse=True)
def audit_db(tmp_path, monkeypatch):
    monkeypatch.setenv("BACKSTOP_AUDIT_DB", str(tmp_path / "audit.db"))
    for key in ("BACKSTOP_CLINIC_NAME", "BACKSTOP_CLINIC_PHONE", "BACKSTOP_CLINIC_BOOKING_URL",
                "BACKSTOP_EMERGENCY_NUMBER"):
        monkeypatch.delenv(key, raising=False)
    return tmp_path / "audit.db"


def test_summary_sets_contract_slots_and_explains_why():
    slots = {"pain_location": "lower_back", "pain_onset": "next_day", "pain_side": "both_sides",
             "pain_character": "dull_ache", "pain_radiates": "none", "leg_weakness": "no",
             "screen_cauda": "none", "screen_infection": "none", "screen_serious": "none",
             "pain_duration": "under_2_days", "pain_trend": "same",
             "pain_severity": 3.0, "exercise": "deadlift", "age_band": "18_to_49"}
    dispatcher, events = run(actions.ActionTriageSummary(), tracker(slots))
    got = slot_events(events)
    assert got["triage_level"] == "self_care"
    assert got["likely_causes"][0] == "doms" and got["last_topic"] == "causes:doms"  # for a follow-up
    out = texts(dispatcher)
    assert "started hours after training or the next day" in out
    assert "Next deadlift session" in out
    assert "spreads below your knee" in out  # the safety net
    assert "Source: " in out and ".txt" not in out
    assert len(dispatcher.messages) <= 4 and all(len(m["text"]) <= 450 for m in dispatcher.messages)
    assert "sounds like" not in out.lower()


def test_summary_raises_the_level_for_an_unanswered_screen():
    slots = {"pain_location": "lower_back", "pain_onset": "next_day", "pain_character": "dull_ache",
             "screen_cauda": "not_ruled_out", "pain_duration": "under_2_days", "age_band": "18_to_49"}
    dispatcher, events = run(actions.ActionTriageSummary(), tracker(slots))
    assert slot_events(events)["triage_level"] == "see_doctor"
    assert "not ruled out" in texts(dispatcher)


def test_summary_keeps_an_earlier_red_flag_level():
    slots = {"red_flag": "fever_unwell", "triage_level": "urgent", "pain_onset": "next_day"}
    dispatcher, events = run(actions.ActionTriageSummary(), tracker(slots))
    assert slot_events(events)["triage_level"] == "urgent"
    assert "Remember the warning sign" in texts(dispatcher)


def test_no_summary_after_an_escalation_found_in_an_answer():
    slots = {"red_flag": "pop_cannot_move", "triage_level": "urgent", "escalated_in_form": True}
    dispatcher, events = run(actions.ActionTriageSummary(), tracker(slots))
    assert "stopped the questions because of the warning sign" in texts(dispatcher)
    assert slot_events(events) == {"escalated_in_form": None}


def test_escalation_sets_slots_ends_the_form_and_audits(audit_db):
    t = tracker({"red_flag": "saddle_anaesthesia", "triage_level": "emergency"}, intent="report_red_flag",
                active_loop="assessment_form")
    dispatcher, events = run(actions.ActionEscalateRedFlag(), t)
    assert slot_events(events)["triage_level"] == "emergency"
    assert slot_events(events)["red_flag"] == "saddle_anaesthesia"
    assert ActiveLoop(None) in events
    assert "groin" in texts(dispatcher)
    rows = audit.query(path=audit_db)
    assert [(r[1], r[2], r[3]) for r in rows] == [("test-user", "saddle_anaesthesia", "emergency")]


def test_escalation_of_a_classifier_only_red_flag_is_urgent():
    _, events = run(actions.ActionEscalateRedFlag(), tracker({}, intent="report_red_flag"))
    assert slot_events(events) == {"triage_level": "urgent", "red_flag": "possible_red_flag"}


def test_handover_without_configuration_is_honest():
    dispatcher, _ = run(actions.ActionHandover(), tracker())
    out = texts(dispatcher)
    assert "No clinic contact is set up" in out
    assert "http" not in out and "Phone" not in out


def test_handover_with_configuration(monkeypatch):
    monkeypatch.setenv("BACKSTOP_CLINIC_NAME", "Spine & Sport Clinic")
    monkeypatch.setenv("BACKSTOP_CLINIC_PHONE", "+44 20 7946 0000")
    monkeypatch.setenv("BACKSTOP_CLINIC_BOOKING_URL", "https://example.org/book")
    dispatcher, _ = run(actions.ActionHandover(), tracker())
    out = texts(dispatcher)
    assert "Spine & Sport Clinic" in out and "+44 20 7946 0000" in out and "https://example.org/book" in out


def test_answer_ice_or_heat():
    entities = [{"entity": "topic", "value": "remedies:ice"}, {"entity": "topic", "value": "remedies:heat"}]
    dispatcher, _ = run(actions.ActionAnswerQuestion(), tracker(intent="ask_self_care", entities=entities))
    out = texts(dispatcher).lower()
    assert "ice" in out and "heat" in out


def test_answer_exercise_form_uses_the_exercise_entity():
    entities = [{"entity": "exercise", "value": "deadlift"}]
    dispatcher, _ = run(actions.ActionAnswerQuestion(), tracker(intent="ask_exercise_safety", entities=entities))
    assert "Deadlift" in texts(dispatcher)
    assert "neutral spine" in texts(dispatcher).lower()


def validate(slots: dict, requested: str, text: str, intent: str = "inform", **kw) -> tuple[list, CollectingDispatcher]:
    t = tracker({**slots, "requested_slot": requested}, intent=intent, text=text, active_loop="assessment_form", **kw)
    dispatcher = CollectingDispatcher()
    events = asyncio.run(actions.ValidateAssessmentForm().run(dispatcher, t, DOMAIN))
    return events, dispatcher


def test_form_reads_a_free_text_answer():
    events, _ = validate({}, "pain_onset", "the next morning")
    assert slot_events(events)["pain_onset"] == "next_day"


def test_form_reasks_once_with_a_hint_then_moves_on():
    events, dispatcher = validate({}, "pain_side", "banana")
    assert slot_events(events) == {"pain_side": None, "missed_questions": {"pain_side": 1}}
    assert "one side" in texts(dispatcher)
    events, dispatcher = validate({"missed_questions": {"pain_side": 1}}, "pain_side", "banana again")
    assert slot_events(events)["pain_side"] == "unknown"


def test_an_unanswered_safety_screen_is_not_ruled_out():
    events, _ = validate({"missed_questions": {"screen_cauda": 1}}, "screen_cauda", "hmm")
    assert slot_events(events)["screen_cauda"] == "not_ruled_out"


def test_a_bare_yes_to_the_emergency_screen_is_asked_once_then_escalated(audit_db):
    events, dispatcher = validate({}, "screen_cauda", "yes")
    assert slot_events(events)["screen_cauda"] is None and "Which one" in texts(dispatcher)
    events, dispatcher = validate({"missed_questions": {"screen_cauda": 1}}, "screen_cauda", "yeah")
    got = slot_events(events)
    assert got["triage_level"] == "emergency" and got["red_flag"] == "possible_cauda_equina"
    assert "emergency care now" in texts(dispatcher)


def test_form_reads_an_answer_the_classifier_took_for_a_question():
    events, _ = validate({}, "leg_weakness", "strength fine", intent="ask_prevention")
    assert slot_events(events)["leg_weakness"] == "no"


def test_form_counts_an_answer_to_another_question_as_a_miss():
    t = tracker({"requested_slot": "pain_onset"}, text="it's been going on for 2 days", active_loop="assessment_form")
    t.events.append({"event": "slot", "name": "pain_duration", "value": "2_to_7_days"})  # filled by the NLU
    dispatcher = CollectingDispatcher()
    events = asyncio.run(actions.ValidateAssessmentForm().run(dispatcher, t, DOMAIN))
    assert slot_events(events).get("pain_duration") == "2_to_7_days"
    assert slot_events(events)["missed_questions"] == {"pain_onset": 1}
    assert texts(dispatcher).startswith("Thanks, noted.")


def test_see_doctor_facts_are_kept_from_any_answer():
    events, _ = validate({}, "pain_severity", "about a 5, it wakes me every night too")
    got = slot_events(events)
    assert got["pain_severity"] == 5.0 and got["night_pain"] == "yes"


def test_a_pop_and_then_immobility_are_escalated_together(audit_db):
    events, dispatcher = validate({"red_flag_evidence": ["POP"]}, "pain_severity", "9, I can't get up off the bench",
                                  entities=[{"entity": "red_flag_concept", "value": "IMMOBILE"}])
    got = slot_events(events)
    assert got["red_flag"] == "pop_cannot_move" and got["triage_level"] == "urgent"


def test_form_accepts_dont_know():
    events, _ = validate({}, "pain_onset", "no idea", intent="dont_know")
    assert slot_events(events)["pain_onset"] == "unknown"


def test_form_leaves_questions_stops_and_red_flags_to_the_rules():
    for intent, text in (("ask_self_care", "should I use ice?"), ("report_red_flag", "should I use ice?"),
                         ("stop", "stop asking me questions")):
        events, dispatcher = validate({}, "pain_onset", text, intent=intent)
        assert slot_events(events) == {} and dispatcher.messages == []


def test_facts_for_other_questions_are_recorded_with_the_answer():
    events, _ = validate({}, "pain_location", "lower back, it started halfway through my second set",
                         entities=[{"entity": "pain_location", "value": "lower_back", "start": 0, "end": 10}],
                         mapped={"pain_location": "lower_back"})
    got = slot_events(events)
    assert got["pain_location"] == "lower_back" and got["pain_onset"] == "during_exercise"


def test_words_about_something_else_do_not_become_answers():
    # the slot mappings took "years" for the pain's duration and "same" for its trend
    text = "No. Fell off a bike 5 years ago, nothing recent. Weight's the same as always"
    entities = [{"entity": "pain_duration", "value": "over_6_weeks", "start": 21, "end": 32},
                {"entity": "pain_trend", "value": "same", "start": 59, "end": 63}]
    events, _ = validate({}, "screen_cauda", text, entities=entities,
                         mapped={"pain_duration": "over_6_weeks", "pain_trend": "same"})
    got = slot_events(events)
    assert got.get("pain_duration") is None and got.get("pain_trend") is None


def test_a_passing_mention_does_not_overwrite_an_earlier_answer():
    text = "4, ibuprofen helps for a few hours"
    events, _ = validate({"pain_duration": "1_to_6_weeks"}, "pain_severity", text,
                         entities=[{"entity": "pain_duration", "value": "under_2_days", "start": 23, "end": 34}],
                         mapped={"pain_duration": "under_2_days"})
    got = slot_events(events)
    assert got["pain_severity"] == 4.0 and got["pain_duration"] == "1_to_6_weeks"


def test_a_correction_replaces_an_answer_the_slot_mappings_also_read():
    text = "actually it's more on the left side"
    events, dispatcher = validate({"pain_side": "both_sides"}, "pain_severity", text,
                                  entities=[{"entity": "pain_side", "value": "one_side", "start": 20, "end": 29}],
                                  mapped={"pain_side": "one_side"})
    assert slot_events(events)["pain_side"] == "one_side"
    assert "changed the side" in texts(dispatcher) and "Thanks, noted" not in texts(dispatcher)


def test_an_answer_the_classifier_took_for_stop_is_read_as_an_answer():
    events, _ = validate({}, "pain_onset", "end of the round", intent="stop")
    assert slot_events(events)["pain_onset"] == "during_exercise"


def test_a_statement_that_answers_nothing_is_asked_again_not_answered_as_a_question():
    events, dispatcher = validate({}, "pain_character", "my legs are fine, it's just the back", intent="ask_prevention")
    assert slot_events(events).get("pain_character") is None
    assert dispatcher.messages and "dull ache" in dispatcher.messages[-1]["text"]


def test_checkin_is_scheduled_only_where_the_bot_can_push():
    _, events = run(actions.ActionScheduleCheckin(), tracker(channel="telegram"))
    assert events and events[0]["event"] == "reminder" and events[0]["intent"] == "EXTERNAL_checkin"
    dispatcher, events = run(actions.ActionScheduleCheckin(), tracker(channel="rest"))
    assert events == [] and "can't send you a message later" in texts(dispatcher)


def test_checkin_worse_means_see_a_doctor():
    entities = [{"entity": "pain_trend", "value": "worsening"}]
    dispatcher, events = run(actions.ActionCheckinReply(), tracker(entities=entities))
    assert slot_events(events)["triage_level"] == "see_doctor"
    assert "doctor" in texts(dispatcher)


def test_a_question_in_the_middle_counts_as_an_ask_of_the_interrupted_question():
    slots = {"requested_slot": "leg_weakness", "missed_questions": {"leg_weakness": 1}}
    t = tracker(slots, intent="ask_exercise_safety", text="can I still train?", active_loop="assessment_form")
    dispatcher, events = run(actions.ActionAnswerQuestion(), t)
    assert slot_events(events)["leg_weakness"] == "unknown"
    assert "move on" in texts(dispatcher)


def test_leg_symptoms_on_each_side_in_two_answers_are_both_legs(audit_db):
    events, _ = validate({"pain_radiates": "below_knee", "leg_symptom_sides": ["right"]}, "numbness",
                         "my left foot's gone tingly since this morning")
    got = slot_events(events)
    assert got["numbness"] == "yes" and got["red_flag"] == "bilateral_sciatica"


@pytest.mark.parametrize("text,concepts,expect", [
    ("into both legs, down to my calves", ["BOTH_LEGS"], "bilateral_sciatica"),
    ("shooting pain down the back of both thighs", ["BOTH_LEGS", "SCIATIC"], "bilateral_sciatica"),
    ("into both buttocks and the back of my thighs when I walk", ["BOTH_LEGS"], "both_legs_above_knee"),
    ("only the backs of my thighs feel tight, both sides, like hamstring soreness", ["BOTH_SIDES"], None),
])
def test_pain_into_both_legs_is_sciatica_unless_above_the_knee_or_worked_muscles(text, concepts, expect):
    entities = [{"entity": "red_flag_concept", "value": c} for c in concepts]
    events, _ = validate({}, "pain_radiates", text, entities=entities)
    got = slot_events(events)
    if expect == "bilateral_sciatica":
        assert got["red_flag"] == "bilateral_sciatica"
    elif expect == "both_legs_above_knee":
        assert got.get("pain_both_legs") == "yes" and "red_flag" not in got
    else:
        assert "red_flag" not in got and "pain_both_legs" not in got
    assert got["pain_radiates"] in ("above_knee", "below_knee")


def test_an_answer_the_classifier_took_for_goodbye_is_still_an_answer():
    events, dispatcher = validate({}, "pain_onset", "today", intent="goodbye")
    got = slot_events(events)
    assert got["pain_onset"] is None and got["missed_questions"] == {"pain_onset": 1}  # asked again
    assert "For example" in texts(dispatcher)


def test_the_reader_not_a_slot_mapping_decides_the_answer_asked():
    events, _ = validate({}, "pain_trend", "Not getting better, same as week one",
                         mapped={"pain_trend": "improving"})
    assert slot_events(events)["pain_trend"] == "same"


def test_yes_both_to_the_weakness_question_escalates_though_the_nlu_asked_for_a_check(audit_db):
    events, _ = validate({}, "leg_weakness", "yes both. worse since this morning. cant do stairs now",
                         intent="check_red_flag")
    assert slot_events(events)["red_flag"] == "bilateral_leg_weakness"


def test_one_leg_in_two_answers_is_not_both(audit_db):
    events, _ = validate({"leg_symptom_sides": ["right"]}, "numbness", "yes, tingling in my right foot")
    assert "red_flag" not in slot_events(events)


def test_both_legs_are_seen_when_the_nlu_already_filled_the_answer(audit_db):
    t = tracker({"requested_slot": "numbness", "leg_symptom_sides": ["right"]},
                text="my left foot's gone tingly too", active_loop="assessment_form")
    t.events.append({"event": "slot", "name": "numbness", "value": "yes"})  # filled by the NLU mapping
    events = asyncio.run(actions.ValidateAssessmentForm().run(CollectingDispatcher(), t, DOMAIN))
    assert slot_events(events)["red_flag"] == "bilateral_sciatica"


def test_a_question_that_completes_earlier_evidence_is_escalated_not_answered(audit_db):
    t = tracker({"red_flag_evidence": ["POP"], "requested_slot": "leg_weakness"}, intent="ask_exercise_safety",
                text="I can't get up off the bench", active_loop="assessment_form",
                entities=[{"entity": "red_flag_concept", "value": "IMMOBILE"}])
    dispatcher, events = run(actions.ActionAnswerQuestion(), t)
    got = slot_events(events)
    assert got["red_flag"] == "pop_cannot_move" and got["escalated_in_form"] is True
    assert "Bench" not in texts(dispatcher) and "same-day" in texts(dispatcher)


@pytest.mark.parametrize("slots,text,slot,expected", [
    ({"pain_side": "one_side"}, "wait, I got that wrong, it's both sides", "pain_side", "both_sides"),
    ({"pain_duration": "2_to_7_days"}, "scratch that, it's been a month", "pain_duration", "1_to_6_weeks"),
    ({"age_band": "18_to_49"}, "oh I misread, I'm 61", "age_band", "50_plus"),
])
def test_a_correction_replaces_the_earlier_answer(slots, text, slot, expected):
    events, dispatcher = validate(slots, "pain_severity", text)
    assert slot_events(events)[slot] == expected
    assert "changed" in texts(dispatcher)
    assert slot_events(events).get("pain_severity") is None  # the current question is asked again


def test_no_correction_without_a_cue():
    events, _ = validate({"pain_side": "one_side"}, "pain_severity", "about a 4, across both sides")
    assert "pain_side" not in slot_events(events)


def test_a_short_follow_up_is_about_the_last_topic():
    t = tracker({"last_topic": "remedies:heat"}, intent="ask_self_care", text="how often?")
    dispatcher, events = run(actions.ActionAnswerQuestion(), t)
    assert "Heat" in texts(dispatcher) and slot_events(events)["last_topic"] == "remedies:heat"


def test_a_question_naming_a_topic_is_not_a_follow_up():
    t = tracker({"last_topic": "remedies:heat"}, intent="ask_condition_info", text="what is sciatica?",
                entities=[{"entity": "topic", "value": "causes:sciatica"}])
    dispatcher, events = run(actions.ActionAnswerQuestion(), t)
    assert slot_events(events)["last_topic"] == "causes:sciatica"


def fallback_tracker(ranking: list[tuple[str, float]], entities: list | None = None, text: str = "hmm") -> Tracker:
    t = tracker(intent="nlu_fallback", text=text, entities=entities)
    t.latest_message["intent_ranking"] = [{"name": "nlu_fallback", "confidence": 0.45}] + [
        {"name": n, "confidence": c} for n, c in ranking]
    return t


def test_fallback_answers_a_likely_question():
    t = fallback_tracker([("ask_self_care", 0.4), ("ask_prevention", 0.3)],
                         entities=[{"entity": "topic", "value": "remedies:heat"}])
    dispatcher, _ = run(actions.ActionFallback(), t)
    assert "Heat" in texts(dispatcher) and "not sure what you mean" not in texts(dispatcher)


def test_fallback_offers_the_assessment_for_a_description_of_pain():
    t = fallback_tracker([("describe_symptoms", 0.35), ("inform", 0.3)])
    _, events = run(actions.ActionFallback(), t)
    assert events == [{"event": "followup", "timestamp": None, "name": "utter_offer_assessment"}]


def test_fallback_offers_the_assessment_when_the_words_speak_of_ones_pain():
    t = fallback_tracker([("out_of_scope", 0.3), ("greet", 0.2)])
    t.latest_message["text"] = "Just started a kettlebell class and my back's complaining."
    _, events = run(actions.ActionFallback(), t)
    assert events == [{"event": "followup", "timestamp": None, "name": "utter_offer_assessment"}]


def test_fallback_answers_a_question_about_ones_own_injury_and_offers_the_assessment():
    t = fallback_tracker([("ask_prevention", 0.51), ("describe_symptoms", 0.48)],
                         entities=[{"entity": "topic", "value": "exercises:crossfit"}])
    t.latest_message["text"] = "yo so i wrecked my back at crossfit, whats the move here"
    dispatcher, events = run(actions.ActionFallback(), t)
    assert "CrossFit" in texts(dispatcher)
    assert events == [{"event": "followup", "timestamp": None, "name": "utter_offer_assessment"}]
    t.latest_message["text"] = "how do I do crossfit without hurting my back?"  # keeping it from hurting
    assert run(actions.ActionFallback(), t)[1] == []


def test_fallback_offers_the_two_likeliest_readings():
    t = fallback_tracker([("request_human", 0.3), ("ask_capabilities", 0.25), ("greet", 0.1)])
    dispatcher, _ = run(actions.ActionFallback(), t)
    buttons = dispatcher.messages[-1]["buttons"]
    assert [b["payload"] for b in buttons] == ["/request_human", "/ask_capabilities"]
    assert "check your symptoms" in texts(dispatcher)


def test_a_description_of_ones_pain_read_as_a_question_is_answered_then_offered_the_assessment():
    t = tracker(intent="ask_self_care", text="my lower back is killing me lol",
                entities=[{"entity": "pain_location", "value": "lower_back"}])
    dispatcher, events = run(actions.ActionAnswerQuestion(), t)
    assert dispatcher.messages and events[-1]["name"] == "utter_offer_assessment"


def test_unanswered_leg_weakness_is_not_ruled_out():
    slots = {"pain_location": "lower_back", "pain_onset": "next_day", "leg_weakness": "unknown",
             "screen_cauda": "none", "screen_infection": "none", "screen_serious": "none",
             "pain_duration": "under_2_days", "age_band": "18_to_49"}
    _, events = run(actions.ActionTriageSummary(), tracker(slots))
    assert slot_events(events)["triage_level"] == "see_doctor"


def test_after_the_summary_how_long_it_takes_is_about_the_likeliest_cause():
    t = tracker({"last_topic": "causes:doms", "triage_level": "self_care"}, intent="ask_condition_info",
                text="how long does it usually take to get better?")
    dispatcher, events = run(actions.ActionAnswerQuestion(), t)
    assert "DOMS" in texts(dispatcher) and "how it usually goes" in texts(dispatcher)
    assert "Source:" in texts(dispatcher)


def test_the_assessment_is_not_offered_again_once_done():
    t = tracker({"last_topic": "guidance:ice_or_heat", "triage_level": "self_care"}, intent="ask_prevention",
                text="how often?")
    _, events = run(actions.ActionAnswerQuestion(), t)
    assert {"event": "followup", "name": "action_listen"} in [
        {k: e.get(k) for k in ("event", "name")} for e in events]


def test_a_specific_topic_beats_back_pain_in_general():
    entities = [{"entity": "topic", "value": "guidance:what_is_back_pain"},
                {"entity": "topic", "value": "exercises:squat"}, {"entity": "exercise", "value": "squat"}]
    dispatcher, _ = run(actions.ActionAnswerQuestion(),
                        tracker(intent="ask_cause", text="why does my back hurt after squats?", entities=entities))
    assert "squat" in texts(dispatcher).lower() and "eight in ten" not in texts(dispatcher)


def test_the_conditional_check_escalates_when_earlier_messages_complete_the_red_flag(audit_db):
    entities = [{"entity": "red_flag_concept", "value": "IMMOBILE"},
                {"entity": "red_flag_candidate", "value": "pop_cannot_move"}]
    t = tracker({"red_flag_evidence": ["POP"], "requested_slot": "pain_location"}, intent="check_red_flag",
                text="and now I can't get up off the floor", entities=entities, active_loop="assessment_form")
    dispatcher, events = run(actions.ActionCheckRedFlag(), t)
    got = slot_events(events)
    assert got["red_flag"] == "pop_cannot_move" and got["escalated_in_form"] is True
    assert "misread" not in texts(dispatcher) and "same-day" in texts(dispatcher)


def test_a_question_inside_the_opening_description_is_answered_before_the_first_question():
    text = "did squats yesterday and my lower back is killing me, is that normal?"
    t = tracker(intent="describe_symptoms", text=text,
                entities=[{"entity": "exercise", "value": "squat"}, {"entity": "topic", "value": "exercises:squat"}],
                active_loop="assessment_form")
    dispatcher, _ = run(actions.ValidateAssessmentForm(), t)
    out = texts(dispatcher)
    assert "soreness" in out.lower() and "Source:" in out and len(dispatcher.messages) == 1
    assert all(len(m["text"]) <= 450 for m in dispatcher.messages)


def test_an_opening_without_a_question_gets_no_answer_first():
    t = tracker(intent="describe_symptoms", text="did squats yesterday and my lower back is killing me",
                active_loop="assessment_form")
    dispatcher, _ = run(actions.ValidateAssessmentForm(), t)
    assert dispatcher.messages == []


def test_a_conditional_check_on_a_description_of_ones_pain_starts_the_assessment(audit_db):
    entities = [{"entity": "red_flag_candidate", "value": "saddle_anaesthesia"}]
    t = tracker(intent="check_red_flag", text="back hurts since squats and my legs feel weird", entities=entities)
    dispatcher, events = run(actions.ActionCheckRedFlag(), t)
    assert {"event": "followup", "name": "assessment_form"} in [
        {k: e.get(k) for k in ("event", "name")} for e in events]
    assert "just answer my question" in texts(dispatcher)


def test_a_conditional_check_on_a_question_does_not_start_it(audit_db):
    t = tracker(intent="check_red_flag", text="can you go numb down there from cycling?",
                entities=[{"entity": "red_flag_candidate", "value": "saddle_anaesthesia"}])
    _, events = run(actions.ActionCheckRedFlag(), t)
    assert not [e for e in events if e.get("event") == "followup"]


# blind12's conversation transcripts (session 10)
@pytest.mark.parametrize("action", [actions.ActionNoteDigression(), actions.ActionHandover()])
def test_a_digression_answered_by_the_rules_counts_as_an_ask(action):
    """An answer the classifier keeps taking for "talk to a person" or small talk is not met with the
    same question for ever: the second time the form moves on."""
    slots = {"requested_slot": "pain_side", "missed_questions": {"pain_side": 1}}
    t = tracker(slots, intent="request_human", text="evenly spread, I reckon", active_loop="assessment_form")
    dispatcher, events = run(action, t)
    assert slot_events(events)["pain_side"] == "unknown" and "move on" in texts(dispatcher)


def test_a_digression_outside_the_assessment_counts_nothing():
    t = tracker({}, intent="thank", text="cheers")
    assert run(actions.ActionNoteDigression(), t)[1] == []


def test_both_legs_as_the_whole_answer_to_the_spread_question_is_sciatica_in_both(audit_db):
    events, _ = validate({}, "pain_radiates", "Both legs.", entities=[{"entity": "red_flag_concept",
                                                                      "value": "BOTH_LEGS"}])
    assert slot_events(events)["red_flag"] == "bilateral_sciatica"


def test_a_denied_sign_is_not_lent_the_screens_subject(audit_db):
    """"No pop... the only thing that popped was the cork" to the screen that asks about a pop and not
    being able to move: the reply denied the pop."""
    entities = [{"entity": "red_flag_concept", "value": "POP"}, {"entity": "red_flag_ruled_out", "value": "POP"}]
    events, _ = validate({}, "screen_infection", "No. No. No. No. No pop, the only thing that popped was a cork",
                         entities=entities)
    assert "red_flag" not in slot_events(events)


def test_painkillers_said_to_work_do_not_combine_with_not_helping_said_later(audit_db):
    first, _ = validate({}, "screen_infection", "nope. one naproxen, did the trick",
                        entities=[{"entity": "red_flag_concept", "value": c} for c in ("PAINKILLER", "RELIEF")])
    evidence = slot_events(first)["red_flag_evidence"]
    assert "PAINKILLER" not in evidence
    later, _ = validate({"red_flag_evidence": evidence}, "pain_trend", "same, the stretches aren't helping",
                        entities=[{"entity": "red_flag_concept", "value": "NOT_HELPING"}])
    assert "red_flag" not in slot_events(later)


@pytest.mark.parametrize("text", ["my legs are sore but that's the lunges, not my back",
                                  "legs are wrecked from squats too"])
def test_legs_sore_from_training_in_answer_to_the_spread_question_are_not_sciatica(text, audit_db):
    events, _ = validate({}, "pain_radiates", text, entities=[{"entity": "red_flag_concept", "value": "BOTH_LEGS"}])
    assert "red_flag" not in slot_events(events)


def test_a_new_sessions_opening_keeps_its_own_answers_not_the_last_sessions():
    """Slots of an earlier session (hours ago) are not "what was known before" the new session's
    first message: "mid back" and "rows" today stay, not last week's "lower back" and "running"."""
    t = tracker({}, intent="describe_symptoms", text="did heavy rows yesterday and my mid back is knotted up",
                active_loop="assessment_form", mapped={"pain_location": "mid_back", "exercise": "rows"},
                entities=[{"entity": "pain_location", "value": "mid_back", "start": 28, "end": 36},
                          {"entity": "exercise", "value": "rows", "start": 10, "end": 14}])
    old = [{"event": "slot", "name": "pain_location", "value": "lower_back"},
           {"event": "slot", "name": "exercise", "value": "running"},
           {"event": "action", "name": "action_session_start"}, {"event": "session_started"}]
    t.events[:0] = old
    events = asyncio.run(actions.ValidateAssessmentForm().run(CollectingDispatcher(), t, DOMAIN))
    got = slot_events(events)
    assert got.get("pain_location", "mid_back") == "mid_back" and got.get("exercise", "rows") == "rows"


def test_the_conditional_check_in_the_assessment_counts_as_an_ask(audit_db):
    """A screen answer the check keeps catching (it asks something back, so the form leaves it to the
    rules) is not met with the same check for ever: the second time the screen is not ruled out."""
    slots = {"requested_slot": "screen_cauda", "missed_questions": {"screen_cauda": 1}}
    t = tracker(slots, intent="check_red_flag", text="no?? normal. landed on my butt in the foam pit. no",
                active_loop="assessment_form",
                entities=[{"entity": "red_flag_candidate", "value": "saddle_anaesthesia"}])
    dispatcher, events = run(actions.ActionCheckRedFlag(), t)
    assert slot_events(events)["screen_cauda"] == "not_ruled_out" and "ruled out" in texts(dispatcher)
    # its last ask: it does not ask "is it happening now? if not, answer my question" and then move on
    assert "Is it happening to you now" not in texts(dispatcher)
    dispatcher, _ = run(actions.ActionCheckRedFlag(), tracker(
        {"requested_slot": "screen_cauda"}, intent="check_red_flag", text="no?? normal. no",
        active_loop="assessment_form", entities=[{"entity": "red_flag_candidate", "value": "saddle_anaesthesia"}]))
    assert "Is it happening to you now" in texts(dispatcher)
