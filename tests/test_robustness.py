"""Bad input and faults, through the real running server: clear replies or 4xx, never 500 or silence."""

from __future__ import annotations

import itertools
import json
import os
import signal
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.servers import MODEL, Backstop, http, texts

ESCALATED = "This needs emergency care now"  # the escalation's words; the disclaimer also says "emergency"

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(not MODEL.exists(), reason="needs the trained model: make train"),
]
_ids = itertools.count()


@pytest.fixture(scope="module")
def bot(tmp_path_factory: pytest.TempPathFactory):
    server = Backstop(Path(tmp_path_factory.mktemp("robust")), rasa_port=5115, action_port=5165).start()
    yield server
    server.stop()


def post_raw(bot: Backstop, raw: bytes) -> tuple[int, object]:
    return http("POST", f"{bot.url}/webhooks/rest/webhook", raw=raw)


@pytest.mark.parametrize("raw,status", [
    (b"{not json", 400),
    (b"[1, 2, 3]", 400),
    (b'{"message": "hi"}', 400),
    (b'{"sender": "", "message": "hi"}', 400),
    (b'{"sender": 42, "message": "hi"}', 400),
    (b'{"sender": "x", "message": {"text": "hi"}}', 400),
    (b'{"sender": "x", "message": "hi", "metadata": "nope"}', 400),
    (b"\xff\xfe\xfa", 400),
])
def test_malformed_requests_get_a_4xx_with_a_message(bot, raw, status):
    code, body = post_raw(bot, raw)
    assert code == status
    assert isinstance(body, dict) and body["error"]


@pytest.mark.parametrize("sender", ["telegram:12345", "twilio:+15551234567", "twilio:whatsapp:+15551234567",
                                    "slack:U123", "facebook:998877", "socketio:x", "0123456789abcdef" * 2,
                                    "TELEGRAM:12345"])
def test_rest_cannot_enter_another_channels_conversations(bot, sender):
    """The same raw id on two channels is two conversations; REST may not take another channel's form."""
    status, body = http("POST", f"{bot.url}/webhooks/rest/webhook", {"sender": sender, "message": "/restart"})
    assert status == 403 and "another channel" in body["error"], (status, body)
    events = http("GET", f"{bot.url}/conversations/{sender}/tracker")[1]["events"]
    assert not [e for e in events if e["event"] in ("user", "bot")], events


@pytest.mark.parametrize("message", ["", "   ", "\n\t"])
def test_empty_messages_get_a_clear_reply(bot, message):
    reply = texts(bot.say(f"empty-{next(_ids)}", message))
    assert "didn't get any text" in reply


@pytest.mark.parametrize("message", [
    "<script>alert(1)</script>",
    "'; DROP TABLE events; --",
    "\u200b\u200b\u200b",
    "\u202eؑ ظهري يؤلمني",
    "😭😭😭",
    "ü" * 3000,
])
def test_odd_text_gets_a_reply_and_the_conversation_stays_usable(bot, message):
    sender = f"odd-{next(_ids)}"
    assert bot.say(sender, message)
    assert "not a diagnosis" in texts(bot.say(f"odd-{next(_ids)}", "hi"))
    assert "Delayed onset muscle soreness" in texts(bot.say(sender, "what is DOMS?"))  # the answer, not an echo


def test_huge_message_is_answered_and_a_buried_red_flag_still_escalates(bot):
    filler = "did squats, felt ok, lower back a bit tight. " * 2000  # ~90 kB
    sender = f"huge-{next(_ids)}"
    reply = texts(bot.say(sender, filler + " now I can't feel anything when I wipe"))
    assert ESCALATED in reply  # the escalation's own words, not the disclaimer's "emergency"
    assert bot.slots(sender)["triage_level"] == "emergency"


def test_too_large_message_is_refused_clearly(bot):
    code, body = post_raw(bot, json.dumps({"sender": "big", "message": "a" * 200_000}).encode())
    assert code == 413 and "at most" in body["error"]


def test_many_messages_in_one_conversation(bot):
    sender = f"long-{next(_ids)}"
    for i in range(60):
        assert bot.say(sender, "what is DOMS?" if i % 2 else "thanks")
    assert len(bot.tracker(sender)["events"]) > 120


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(payload=st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=50),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(
        st.sampled_from(["sender", "message", "metadata", "x"]), children, max_size=4),
    max_leaves=8,
))
def test_fuzzed_json_never_breaks_the_webhook(bot, payload):
    code, body = post_raw(bot, json.dumps(payload).encode())
    assert code in (200, 400, 413), (code, body)
    if code == 200:
        assert isinstance(body, list) and body


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(payload=st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=200),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(
        st.sampled_from(["text", "message_id", "x"]), children, max_size=3),
    max_leaves=8,
))
def test_fuzzed_model_parse_never_breaks_it(bot, payload):
    code, body = http("POST", f"{bot.url}/model/parse", raw=json.dumps(payload).encode())
    assert code in (200, 400), (code, body)
    if code == 200:
        assert "intent" in body and "entities" in body, body


def test_action_server_down_gives_an_honest_reply_and_red_flags_still_escalate(tmp_path):
    server = Backstop(tmp_path, rasa_port=5125, action_port=5175)
    server.start_rasa()  # no action server at all
    try:
        for question in ("what is DOMS?", "should I use ice or heat?"):
            reply = texts(server.say("down", question))
            assert "can't" in reply and "right now" in reply and "emergency number" in reply
        reply = texts(server.say("down", "I wet myself and my back is killing me"))
        assert ESCALATED in reply and "Don't drive yourself" in reply
    finally:
        server.stop()


def test_a_hung_action_server_gives_an_honest_reply_in_seconds_and_the_conversation_recovers(tmp_path):
    server = Backstop(tmp_path, rasa_port=5125, action_port=5175, env={"BACKSTOP_ACTION_TIMEOUT": "3"})
    server.start()
    sender = "hung"
    try:
        assert "can't look that up" not in texts(server.say(sender, "what is DOMS?"))
        os.kill(server.actions.pid, signal.SIGSTOP)  # a real action server that stops answering
        try:
            start = time.monotonic()
            reply = texts(server.say(sender, "should I use ice or heat?"))
            assert time.monotonic() - start < 20
            assert "can't look that up right now" in reply and "emergency number" in reply
            reply = texts(server.say(sender, "I can't feel my bum and I've wet myself"))
            assert ESCALATED in reply
        finally:
            os.kill(server.actions.pid, signal.SIGCONT)
        reply = texts(server.say(sender, "is it ok to keep training?"))
        assert reply and "can't look that up" not in reply
    finally:
        server.stop()


@contextmanager
def database_locked(path: Path, seconds: float) -> Iterator[None]:
    """Another program holds the SQLite tracker database's write lock for ``seconds``."""
    locked = threading.Event()

    def hold() -> None:
        db = sqlite3.connect(path, isolation_level=None)
        db.execute("BEGIN EXCLUSIVE")
        locked.set()
        time.sleep(seconds)
        db.execute("COMMIT")
        db.close()

    holder = threading.Thread(target=hold)
    holder.start()
    assert locked.wait(10)
    try:
        yield
    finally:
        holder.join()


def test_a_locked_tracker_database_delays_or_is_reported_and_nothing_is_lost(tmp_path):
    server = Backstop(tmp_path, rasa_port=5125, action_port=5175, env={"BACKSTOP_DB_RETRY_SECONDS": "4"})
    server.start()
    sender = "locked"
    try:
        server.say(sender, "my lower back hurts after deadlifts")
        # locked for less than the retry budget: the turn waits for the lock and is stored
        with database_locked(tmp_path / "tracker.db", 2):
            start = time.monotonic()
            reply = texts(server.say(sender, "the next day"))
            waited = time.monotonic() - start
        assert waited > 1.5, "the lock did not hold the turn up; this test is not testing a locked database"
        assert reply and "couldn't save" not in reply
        # locked for longer: the user is told the turn was not saved, and what to do
        with database_locked(tmp_path / "tracker.db", 8):
            reply = texts(server.say(sender, "a dull ache"))
        assert "couldn't save" in reply and "send your last message again" in reply
        # afterwards the conversation carries on from what was stored; the resent turn is kept once
        reply = texts(server.say(sender, "a dull ache"))
        assert reply and "couldn't save" not in reply
        tracker = server.tracker(sender)
        users = [e["text"] for e in tracker["events"] if e["event"] == "user"]
        assert users == ["my lower back hurts after deadlifts", "the next day", "a dull ache"]
        assert tracker["active_loop"].get("name") == "assessment_form"
    finally:
        server.stop()


def test_api_token_and_rest_secret_come_from_the_environment_and_are_enforced(tmp_path):
    token, secret = "s3cret-token-0123456789", "rest-secret-9876543210"
    server = Backstop(tmp_path, rasa_port=5135, action_port=5185,
                      env={"BACKSTOP_API_TOKEN": token, "BACKSTOP_REST_SECRET": secret})
    server.start_actions()
    server.start_rasa()
    try:
        # the token is nowhere on the command line (`ps` shows it to every user of the machine)
        assert token not in Path(f"/proc/{server.rasa.pid}/cmdline").read_text(errors="replace")
        url = f"{server.url}/webhooks/rest/webhook"
        # the REST webhook is for trusted back ends: without the secret header it is refused
        status, body = http("POST", url, {"sender": "auth", "message": "hi"})
        assert status == 401 and "X-Backstop-Secret" in body["error"], (status, body)
        status, body = http("POST", url, {"sender": "auth", "message": "hi"}, headers={"X-Backstop-Secret": "wrong"})
        assert status == 401
        status, replies = http("POST", url, {"sender": "auth", "message": "hi"}, headers={"X-Backstop-Secret": secret})
        assert status == 200 and replies
        # the HTTP API needs the token: as a Bearer header (or Rasa's ?token=)
        assert http("GET", f"{server.url}/conversations/auth/tracker")[0] == 401
        assert http("POST", f"{server.url}/model/parse", {"text": "hi"})[0] == 401
        assert http("GET", f"{server.url}/conversations/auth/tracker",
                    headers={"Authorization": "Bearer not-the-token"})[0] == 401
        status, body = http("GET", f"{server.url}/conversations/auth/tracker",
                            headers={"Authorization": f"Bearer {token}"})
        assert status == 200 and body["sender_id"] == "auth"
        status, body = http("GET", f"{server.url}/conversations/auth/tracker?token={token}")
        assert status == 200 and body["sender_id"] == "auth"
    finally:
        server.stop()
