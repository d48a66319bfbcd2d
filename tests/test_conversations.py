"""End to end: real Rasa server + action server, talked to through the REST webhook like a user.

Needs the trained model (`make train`); `make test` runs these after training.
"""

from __future__ import annotations

import itertools
import signal
from pathlib import Path

import pytest

from tests.servers import MODEL, Backstop, texts

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(not MODEL.exists(), reason="needs the trained model: make train"),
]
_ids = itertools.count()


@pytest.fixture(scope="module")
def bot(tmp_path_factory: pytest.TempPathFactory):
    server = Backstop(Path(tmp_path_factory.mktemp("e2e"))).start()
    yield server
    server.stop()


def new_sender() -> str:
    return f"user-{next(_ids)}"


def chat(bot: Backstop, sender: str, *messages: str) -> str:
    out = ""
    for message in messages:
        out = texts(bot.say(sender, message))
    return out


def finish_form(bot: Backstop, sender: str, answers: dict[str, str], limit: int = 16) -> str:
    """Answer whatever the form asks, from ``answers`` keyed by the slot asked, until the summary."""
    out = ""
    for _ in range(limit):
        slots = bot.slots(sender)
        asked = slots.get("requested_slot")
        if asked is None:
            return out
        out = texts(bot.say(sender, answers[asked]))
    raise AssertionError(f"form did not finish; last reply: {out}")


DEFAULTS = {
    "pain_location": "lower back", "pain_onset": "the next day", "pain_character": "a dull ache",
    "pain_side": "both sides", "pain_radiates": "no, it stays in my back", "numbness": "no",
    "leg_weakness": "no", "screen_cauda": "none of these", "screen_infection": "no, none of those",
    "screen_serious": "no", "pain_duration": "about 2 days",
    "pain_trend": "about the same", "pain_severity": "3", "exercise": "deadlifts", "age_band": "I'm 30",
}


def test_greeting_with_disclaimer_once(bot):
    sender = new_sender()
    first = texts(bot.say(sender, "hi"))
    assert "not a diagnosis" in first and "emergency" in first
    second = texts(bot.say(sender, "hello again"))
    assert "not a diagnosis" not in second


def test_doms_conversation(bot):
    sender = new_sender()
    bot.say(sender, "my lower back aches on both sides since deadlifts yesterday, woke up with it")
    slots = bot.slots(sender)
    assert slots["pain_location"] == "lower_back" and slots["exercise"] == "deadlift"
    assert slots["pain_side"] == "both_sides"
    summary = finish_form(bot, sender, DEFAULTS)
    slots = bot.slots(sender)
    assert slots["triage_level"] == "self_care"
    assert slots["likely_causes"][0] == "doms"
    assert "because" in summary.lower() or "it started" in summary
    assert "spreads below your knee" in summary  # the safety net, not the disclaimer


def test_strain_conversation(bot):
    sender = new_sender()
    bot.say(sender, "felt a sharp pain on the left side of my lower back during a heavy squat this morning")
    finish_form(bot, sender, {**DEFAULTS, "pain_onset": "during the lift", "pain_trend": "getting better"})
    slots = bot.slots(sender)
    assert slots["triage_level"] == "self_care"
    assert slots["likely_causes"][0] == "muscle_strain"


def test_sciatica_pattern_is_see_doctor(bot):
    sender = new_sender()
    bot.say(sender, "since my run my lower back hurts and there's shooting pain down my right leg to my calf")
    finish_form(bot, sender, {**DEFAULTS, "numbness": "yes, tingling in my foot", "pain_side": "one side"})
    slots = bot.slots(sender)
    assert slots["triage_level"] == "see_doctor"
    assert {"sciatica", "herniated_disc"} & set(slots["likely_causes"])


def test_worsening_for_a_week_is_see_doctor(bot):
    sender = new_sender()
    bot.say(sender, "my back has been getting worse for 10 days since crossfit")
    finish_form(bot, sender, DEFAULTS)
    assert bot.slots(sender)["triage_level"] == "see_doctor"


def test_over_50_is_see_doctor(bot):
    sender = new_sender()
    bot.say(sender, "I'm 58 and my mid back is sore after rowing")
    finish_form(bot, sender, DEFAULTS)
    assert bot.slots(sender)["triage_level"] == "see_doctor"


def test_weakness_answer_is_urgent(bot):
    sender = new_sender()
    bot.say(sender, "my lower back hurts after deadlifts")
    finish_form(bot, sender, {**DEFAULTS, "leg_weakness": "yes",
                              "pain_radiates": "below the knee", "numbness": "yes"})
    assert bot.slots(sender)["triage_level"] == "urgent"


def test_red_flag_opening_message(bot):
    sender = new_sender()
    reply = texts(bot.say(sender, "I peed myself after deadlifts and my back is killing me"))
    assert "emergency care now" in reply
    slots = bot.slots(sender)
    assert slots["triage_level"] == "emergency"
    assert slots["red_flag"] == "bladder_dysfunction"


def test_red_flag_mid_form_escalates_and_ends_the_form(bot):
    sender = new_sender()
    bot.say(sender, "my lower back hurts since squats")
    assert bot.slots(sender)["requested_slot"]
    reply = texts(bot.say(sender, "actually my legs keep giving way and it's getting worse"))
    assert "emergency care now" in reply
    tracker = bot.tracker(sender)
    assert tracker["active_loop"] in ({}, None) or not tracker["active_loop"].get("name")
    assert tracker["slots"]["triage_level"] == "emergency"
    assert tracker["slots"]["red_flag"] == "bilateral_leg_weakness"


def test_negated_red_flag_mid_form_does_not_escalate(bot):
    sender = new_sender()
    bot.say(sender, "my lower back is stiff after deadlifts")
    reply = texts(bot.say(sender, "no numbness, bladder's fine, it started the next day"))
    assert "⚠️" not in reply
    slots = bot.slots(sender)
    assert slots["triage_level"] is None and slots["red_flag"] is None
    assert slots["requested_slot"] is not None


def test_red_flag_right_after_a_knowledge_answer(bot):
    sender = new_sender()
    bot.say(sender, "should I use ice or heat?")
    reply = texts(bot.say(sender, "also I can't feel anything when I wipe"))
    assert "emergency care now" in reply
    assert bot.slots(sender)["red_flag"] == "saddle_anaesthesia"


def test_digression_answers_then_asks_the_same_question(bot):
    sender = new_sender()
    bot.say(sender, "my lower back hurts")
    asked = bot.slots(sender)["requested_slot"]
    reply = texts(bot.say(sender, "wait, should I use ice or heat?"))
    assert "ice" in reply.lower() and "heat" in reply.lower()
    assert bot.slots(sender)["requested_slot"] == asked


def test_dont_know_moves_on(bot):
    sender = new_sender()
    bot.say(sender, "my back hurts after the gym")
    asked = bot.slots(sender)["requested_slot"]
    bot.say(sender, "no idea")
    slots = bot.slots(sender)
    assert slots[asked] == "unknown"
    assert slots["requested_slot"] != asked


def test_stop_leaves_the_form_politely(bot):
    sender = new_sender()
    bot.say(sender, "my back hurts after the gym")
    reply = texts(bot.say(sender, "stop"))
    assert "stop" in reply.lower()
    assert bot.slots(sender)["requested_slot"] is None


@pytest.mark.parametrize("question,expected", [
    ("should I use ice or heat?", "heat"),
    ("what is DOMS", "soreness"),
    ("what's sciatica?", "sciatic"),
    ("how do I deadlift without hurting my back", "neutral spine"),
    ("is running bad for my back", "running"),
    ("can I keep training with a sore back?", "train"),
    ("when should I see a doctor?", "same day"),
])
def test_free_questions_answered_from_the_knowledge_base(bot, question, expected):
    reply = texts(bot.say(new_sender(), question))
    assert expected in reply.lower()


def test_handover_without_clinic_config_is_honest(bot):
    reply = texts(bot.say(new_sender(), "can I talk to a real person"))
    assert "No clinic contact is set up" in reply


def test_conversation_survives_a_server_restart(bot):
    sender = new_sender()
    bot.say(sender, "my lower back aches after deadlifts")
    asked = bot.slots(sender)["requested_slot"]
    bot.stop_rasa(signal.SIGKILL)
    bot.start_rasa()
    slots = bot.slots(sender)
    assert slots["requested_slot"] == asked and slots["pain_location"] == "lower_back"
    bot.say(sender, DEFAULTS[asked])
    assert bot.slots(sender)[asked] not in (None, "")


def test_logs_hold_no_message_text_or_symptoms(bot):
    sender = new_sender()
    bot.say(sender, "sharp stabbing pain in my lower back after kettlebell swings")
    logs = (bot.workdir / "rasa.log").read_text(errors="replace") + (bot.workdir / "actions.log").read_text(
        errors="replace")
    for secret in ("kettlebell swings", "stabbing", "my lower back"):
        assert secret not in logs
