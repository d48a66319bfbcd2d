"""Scale-out: two Rasa instances sharing a PostgreSQL tracker store and a Redis lock store.

Real PostgreSQL and Redis (scripts/services.sh, data in var/test-scale, ports 5434/6381),
one action server and two Rasa servers configured by endpoints.scaled.yml. Many conversations
run at once, each sending its messages alternately to instance A and instance B; half-way
through, B is killed with SIGKILL and everything goes on with A. Every conversation must end
complete and in order, and no request may hang.

Needs the trained model (`make train`); run with `make test-scale` (marker `scale`).
"""

from __future__ import annotations

import base64
import fcntl
import hashlib
import hmac
import json
import os
import shlex
import shutil
import signal
import subprocess
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from http.client import HTTPException
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.servers import MODEL, ROOT, Backstop, http

pytestmark = [
    pytest.mark.scale,
    pytest.mark.skipif(not MODEL.exists(), reason="needs the trained model: make train"),
]

SERVICES = ROOT / "scripts" / "services.sh"
SERVICES_DIR = ROOT / "var" / "test-scale"  # not the run_scaled.sh data; wiped at each run
PG_PORT, REDIS_PORT, REDIS_DB = 5434, 6381, 1
ACTION_PORT, PORT_A, PORT_B = 5165, 5116, 5117
LOCK_LIFETIME = 10  # s (TICKET_LOCK_LIFETIME): how long a ticket of the killed B blocks its conversation
REQUEST_TIMEOUT = 60  # s: a request taking longer counts as hung (a deadlocked conversation)
# A client whose request died with B resends it to A at once. With Rasa 3.6's RedisLockStore
# this could hang: the resent request's own ticket expired while it waited for B's dead one, and
# then `_acquire_lock` polled for ever. runtime.lock_store.AtomicRedisLockStore keeps a waiting
# ticket alive, so the resent request is served as soon as B's ticket expires.
RETRY_AFTER = 0

SENDERS = 40
MESSAGES = [
    "my lower back hurts after deadlifts",
    "the next day",
    "dull ache",
    "both sides",
    "should I use ice or heat?",  # a knowledge answer in the middle of the form
    "no, it stays in my back",
    "no",
    "no",
    "none of these",
    "about 2 days",
]
KILL_AFTER = SENDERS * len(MESSAGES) // 2  # answered messages before B is killed


@dataclass
class Turn:
    text: str
    instance: str  # "A", "B" or "B->A" (B died under the request; finished on A)
    seconds: float
    replies: list[dict[str, Any]] | None  # None: B committed it but died before answering


@dataclass
class Conversation:
    sender: str
    turns: list[Turn] = field(default_factory=list)
    error: str | None = None


@pytest.fixture(scope="module")
def one_run_at_a_time():
    """Runs of this test on one machine share ports and var/test-scale: the next one waits."""
    SERVICES_DIR.parent.mkdir(parents=True, exist_ok=True)
    with open(SERVICES_DIR.parent / "test-scale.lock", "w") as lock:
        deadline = time.monotonic() + 900
        while True:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    pytest.fail("another run of tests/test_scale.py has held var/test-scale.lock for 15 minutes")
                time.sleep(1)
        yield
        fcntl.flock(lock, fcntl.LOCK_UN)


def services_env() -> dict[str, str]:
    """Environment for scripts/services.sh: this test's own PostgreSQL and Redis."""
    return {**os.environ, "BACKSTOP_SERVICES_DIR": str(SERVICES_DIR), "BACKSTOP_PG_PORT": str(PG_PORT),
            "BACKSTOP_PG_DB": "backstop_test", "BACKSTOP_REDIS_PORT": str(REDIS_PORT),
            "BACKSTOP_REDIS_DB": str(REDIS_DB), "BACKSTOP_ACTION_URL": f"http://127.0.0.1:{ACTION_PORT}/webhook"}


@pytest.fixture(scope="module")
def services(one_run_at_a_time) -> dict[str, str]:
    env = services_env()
    subprocess.run([str(SERVICES), "stop"], env=env, capture_output=True, timeout=120)
    shutil.rmtree(SERVICES_DIR, ignore_errors=True)
    started = subprocess.run([str(SERVICES), "start"], env=env, capture_output=True, text=True, timeout=900)
    assert started.returncode == 0, started.stdout + started.stderr
    exported = subprocess.run([str(SERVICES), "env"], env=env, capture_output=True, text=True, check=True)
    variables = dict(shlex.split(line)[1].split("=", 1) for line in exported.stdout.splitlines())
    yield variables
    subprocess.run([str(SERVICES), "stop"], env=env, capture_output=True, timeout=120)


TWILIO = {"account_sid": "AC" + "0" * 31 + "2", "auth_token": "0123456789abcdef0123456789abcdef",
          "twilio_number": "+15005550006"}  # Twilio itself is not reachable here: replies are not sent


@pytest.fixture(scope="module")
def cluster(services: dict[str, str], tmp_path_factory: pytest.TempPathFactory):
    env = {**services, "TICKET_LOCK_LIFETIME": str(LOCK_LIFETIME)}
    endpoints = str(ROOT / "endpoints.scaled.yml")
    credentials = tmp_path_factory.mktemp("scale-credentials") / "credentials.yml"
    base = yaml.safe_load((ROOT / "credentials.yml").read_text())
    credentials.write_text(yaml.safe_dump({**base, "channels.twilio.TwilioInput": TWILIO}))
    a = Backstop(Path(tmp_path_factory.mktemp("scale-a")), PORT_A, ACTION_PORT, env, endpoints)
    b = Backstop(Path(tmp_path_factory.mktemp("scale-b")), PORT_B, ACTION_PORT, env, endpoints)
    try:
        a.start_actions()
        errors: list[BaseException] = []

        def start(server: Backstop) -> None:
            try:
                server.start_rasa(extra=["--credentials", str(credentials)])
            except BaseException as err:  # noqa: BLE001 - re-raised in the main thread
                errors.append(err)

        threads = [threading.Thread(target=start, args=(s,)) for s in (a, b)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        if errors:
            raise errors[0]
        yield a, b
    finally:
        b.stop()
        a.stop()


def post(server: Backstop, sender: str, text: str) -> list[dict[str, Any]]:
    status, replies = http("POST", f"{server.url}/webhooks/rest/webhook", {"sender": sender, "message": text},
                           timeout=REQUEST_TIMEOUT)
    if status != 200:
        raise ConnectionError(f"HTTP {status}: {replies}")
    return replies


def tracker(server: Backstop, sender: str) -> dict[str, Any]:
    status, body = http("GET", f"{server.url}/conversations/{sender}/tracker", timeout=REQUEST_TIMEOUT)
    assert status == 200, (status, body)
    return body


def user_texts(events: list[dict[str, Any]]) -> list[str]:
    return [e.get("text") for e in events if e["event"] == "user"]


def turns_of(events: list[dict[str, Any]]) -> list[tuple[list[dict[str, Any]], list[dict[str, Any]]]]:
    """For each user message: (the events its request added, the events after it).

    The first request also adds the session start before the user message (and whatever the
    session start action says)."""
    starts = [i for i, e in enumerate(events) if e["event"] == "user"]
    ends = starts[1:] + [len(events)]
    return [(events[(s if n else 0):end], events[s + 1:end]) for n, (s, end) in enumerate(zip(starts, ends))]


def shape(events: list[dict[str, Any]]) -> list[tuple]:
    """Events without timestamps and ids: what must be the same in every conversation."""
    out = []
    for e in events:
        kind = e["event"]
        if kind == "user":
            out.append((kind, e.get("text"), (e.get("parse_data") or {}).get("intent", {}).get("name")))
        elif kind == "action":
            out.append((kind, e.get("name")))
        elif kind == "slot":
            out.append((kind, e.get("name"), json.dumps(e.get("value"), sort_keys=True)))
        elif kind == "active_loop":
            out.append((kind, e.get("name")))
        else:
            out.append((kind,))
    return out


def twilio_post(server: Backstop, text: str, phone: str) -> int:
    """An incoming SMS as Twilio posts it to this instance, signed with the cluster's auth token."""
    url = f"{server.url}/webhooks/twilio/webhook"
    params = {"From": phone, "To": TWILIO["twilio_number"], "Body": text, "AccountSid": TWILIO["account_sid"],
              "MessageSid": "SM" + hashlib.sha256(f"{time.time_ns()}".encode()).hexdigest()[:32]}
    data = url + "".join(k + params[k] for k in sorted(params))
    signature = base64.b64encode(hmac.new(TWILIO["auth_token"].encode(), data.encode(), hashlib.sha1).digest())
    headers = {"Content-Type": "application/x-www-form-urlencoded", "X-Twilio-Signature": signature.decode()}
    status, _ = http("POST", url, raw=urllib.parse.urlencode(params).encode(), headers=headers,
                     timeout=REQUEST_TIMEOUT)
    return status


def test_a_typed_number_picks_the_choice_offered_by_the_other_instance(cluster) -> None:
    """The question with choices goes out through A; the "2" typed back reaches B, which reads the
    choices from the shared tracker store (none are kept in a process)."""
    a, b = cluster
    phone = f"+1555{time.time_ns() % 10**7:07d}"
    conversation = urllib.parse.quote(f"twilio:{phone}", safe="+:")
    assert twilio_post(a, "my back hurts after the gym", phone) == 204
    asked = [e for e in tracker(a, conversation)["events"] if e["event"] == "bot"][-1]
    buttons = asked["data"]["buttons"]
    assert len(buttons) >= 2, asked
    assert twilio_post(b, "2", phone) == 204
    assert tracker(a, conversation)["latest_message"]["text"] == buttons[1]["payload"]


def test_conversations_survive_two_instances_and_a_killed_one(cluster, services):
    import psycopg2
    import redis

    a, b = cluster
    run = f"scale-{int(time.time())}"
    conversations = [Conversation(f"{run}-{k}") for k in range(SENDERS)]
    answered = 0
    answered_lock = threading.Lock()
    b_dead = threading.Event()  # set once B's process is gone: new messages go to A
    kill_now = threading.Event()
    lock_keys_seen = 0
    stop_watch = threading.Event()
    red = redis.Redis(host="127.0.0.1", port=REDIS_PORT, db=REDIS_DB)

    def watch_locks() -> None:  # proves the Rasa instances really lock through Redis
        nonlocal lock_keys_seen
        while not stop_watch.wait(0.05):
            try:
                lock_keys_seen = max(lock_keys_seen, len(red.keys("backstop:*")))
            except redis.RedisError:
                pass

    def killer() -> None:
        kill_now.wait()
        b.stop_rasa(signal.SIGKILL)  # SIGKILL to B's process group; returns once it is gone
        b_dead.set()

    def committed_by_b(sender: str, sent_before: int, text: str) -> bool:
        """B died under this message: did it store the whole turn before dying?"""
        events = tracker(a, sender)["events"]
        said = user_texts(events)
        if said == MESSAGES[:sent_before]:
            return False
        assert said == MESSAGES[:sent_before] + [text], said
        assert events[-1]["event"] == "action" and events[-1]["name"] == "action_listen", events[-1]
        return True

    def converse(k: int, conv: Conversation) -> None:
        nonlocal answered
        try:
            for i, text in enumerate(MESSAGES):
                use_b = (i + k) % 2 == 1 and not b_dead.is_set()
                t0 = time.monotonic()
                if not use_b:
                    replies, where = post(a, conv.sender, text), "A"
                else:
                    try:
                        replies, where = post(b, conv.sender, text), "B"
                    except (OSError, HTTPException):
                        if not kill_now.is_set():
                            raise  # B failed while it was meant to be alive
                        b_dead.wait(60)
                        time.sleep(RETRY_AFTER)
                        t0, where = time.monotonic(), "B->A"
                        replies = None if committed_by_b(conv.sender, i, text) else post(a, conv.sender, text)
                conv.turns.append(Turn(text, where, time.monotonic() - t0, replies))
                with answered_lock:
                    answered += 1
                    if answered >= KILL_AFTER:
                        kill_now.set()
        except Exception as err:  # noqa: BLE001 - reported by the assertions below
            conv.error = f"{type(err).__name__}: {err}"

    started = time.monotonic()
    helpers = [threading.Thread(target=killer, daemon=True), threading.Thread(target=watch_locks, daemon=True)]
    threads = [threading.Thread(target=converse, args=(k, c), daemon=True) for k, c in enumerate(conversations)]
    try:
        for t in helpers + threads:
            t.start()
        for t in threads:
            t.join(timeout=max(1.0, started + REQUEST_TIMEOUT * len(MESSAGES) - time.monotonic()))
    finally:
        elapsed = time.monotonic() - started
        stop_watch.set()
        kill_now.set()  # in case the run failed before half-way
        helpers[0].join(60)
    assert not any(t.is_alive() for t in threads), "a conversation is still running"

    turns = [t for c in conversations for t in c.turns]
    slowest = max((t.seconds for t in turns), default=0)
    print(f"\n{len(turns)} messages in {elapsed:.1f} s ({len(turns) / elapsed:.1f}/s); "
          f"A {sum(t.instance == 'A' for t in turns)}, B {sum(t.instance == 'B' for t in turns)}, "
          f"interrupted on B {sum(t.instance == 'B->A' for t in turns)} "
          f"({sum(t.replies is None for t in turns)} already stored by B); slowest request {slowest:.1f} s; "
          f"most Redis locks at once {lock_keys_seen}")

    # No request failed or hung (a hang would have raised a timeout after REQUEST_TIMEOUT).
    errors = {c.sender: c.error for c in conversations if c.error}
    assert not errors, errors
    assert all(len(c.turns) == len(MESSAGES) for c in conversations)
    assert slowest < REQUEST_TIMEOUT
    # The run really used both instances, the kill really happened mid-request, locks were in Redis.
    assert b.rasa is not None and b.rasa.poll() is not None, "B was not killed"
    assert sum(t.instance == "B" for t in turns) >= KILL_AFTER // 4
    assert any(t.instance == "B->A" for t in turns), "no request was in flight on B when it was killed"
    assert lock_keys_seen > 0, "no conversation lock ever appeared in Redis"

    reference = None
    for conv in conversations:
        events = tracker(a, conv.sender)["events"]
        # Every message exactly once, in the order sent; the conversation settled.
        assert user_texts(events) == MESSAGES, conv.sender
        assert events[-1]["event"] == "action" and events[-1]["name"] == "action_listen", conv.sender
        # Each message answered before the next one, with as many bot messages as the client got.
        for turn, (added, after) in zip(conv.turns, turns_of(events)):
            assert any(e["event"] == "bot" for e in after), (conv.sender, turn.text)
            if turn.replies is not None:
                bots = [e for e in added if e["event"] == "bot"]
                assert len(bots) == len(turn.replies), (conv.sender, turn.text, turn.instance)
        # No event stored twice, and stored in time order.
        stamps = [e["timestamp"] for e in events]
        assert stamps == sorted(stamps), conv.sender
        assert len({json.dumps(e, sort_keys=True) for e in events}) == len(events), conv.sender
        # Same messages, same dialogue, whichever instance answered each turn.
        if reference is None:
            reference = shape(events)
        assert shape(events) == reference, conv.sender

    # The events are in PostgreSQL itself, and no lock is left behind in Redis.
    db = psycopg2.connect(host="127.0.0.1", port=PG_PORT, dbname=services["BACKSTOP_PG_DB"],
                          user=services["BACKSTOP_PG_USER"], password=services["BACKSTOP_PG_PASSWORD"])
    try:
        with db.cursor() as cur:
            cur.execute("SELECT sender_id, count(*) FROM events WHERE type_name = 'user' AND sender_id LIKE %s "
                        "GROUP BY sender_id", (f"{run}-%",))
            counts = dict(cur.fetchall())
    finally:
        db.close()
    assert counts == {c.sender: len(MESSAGES) for c in conversations}
    assert red.keys("backstop:*") == []



def test_postgresql_restart_mid_conversation_loses_nothing(cluster) -> None:
    """A message that arrives while PostgreSQL is down waits for it; stale pooled connections are replaced."""
    a, _ = cluster
    sender = f"pg-restart-{time.time_ns()}"
    post(a, sender, MESSAGES[0])
    subprocess.run([str(SERVICES), "stop", "pg"], env=services_env(), check=True, capture_output=True, timeout=120)
    replies: dict[str, Any] = {}
    during = threading.Thread(target=lambda: replies.update(during=post(a, sender, MESSAGES[1])))
    during.start()
    time.sleep(2)  # the request is now retrying against the stopped database
    assert during.is_alive()
    subprocess.run([str(SERVICES), "start", "pg"], env=services_env(), check=True, capture_output=True, timeout=300)
    during.join(REQUEST_TIMEOUT)
    assert not during.is_alive(), "the request made while PostgreSQL was down never finished"
    assert replies["during"] and "couldn't save" not in json.dumps(replies["during"])
    post(a, sender, MESSAGES[2])
    events = tracker(a, sender)["events"]
    assert user_texts(events) == MESSAGES[:3]
    assert events[-1]["event"] == "action" and events[-1]["name"] == "action_listen"


def lock_stores(services: dict[str, str], count: int) -> list[Any]:
    """``count`` independent AtomicRedisLockStore clients, as several instances would have."""
    from rasa.utils.endpoints import EndpointConfig

    from runtime.lock_store import AtomicRedisLockStore

    config = EndpointConfig(url="127.0.0.1", type="runtime.lock_store.AtomicRedisLockStore",
                            port=services["BACKSTOP_REDIS_PORT"], db=services["BACKSTOP_REDIS_DB"],
                            key_prefix="locktest")
    return [AtomicRedisLockStore(endpoint_config=config) for _ in range(count)]


def test_tickets_issued_at_once_by_several_instances_are_all_kept(services: dict[str, str]) -> None:
    """Rasa's RedisLockStore loses tickets here (read-modify-write races); every one must survive."""
    stores = lock_stores(services, 4)
    conversation = f"race-{time.time_ns()}"
    issued: list[int] = []
    issued_lock = threading.Lock()

    def issue(store: Any) -> None:
        for _ in range(25):
            number = store.issue_ticket(conversation, 60)
            with issued_lock:
                issued.append(number)

    threads = [threading.Thread(target=issue, args=(s,)) for s in stores]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    lock = stores[0].get_lock(conversation)
    assert lock is not None
    assert sorted(issued) == list(range(100))
    assert sorted(t.number for t in lock.tickets) == list(range(100))
    for number in issued:
        stores[number % 4].cleanup(conversation, number)
    assert stores[0].get_lock(conversation) is None


def test_a_request_waiting_behind_a_dead_instance_is_served_when_its_ticket_expires(
        services: dict[str, str]) -> None:
    import asyncio

    dead, alive = lock_stores(services, 2)
    conversation = f"dead-{time.time_ns()}"
    dead.issue_ticket(conversation, 2)  # held by an instance that then died: never cleaned up

    async def waiter() -> float:
        start = time.monotonic()
        # lifetime 1 s: shorter than the dead ticket's, so Rasa's own store would let this
        # request's ticket expire while it waits and then poll for ever
        async with alive.lock(conversation, lock_lifetime=1, wait_time_in_seconds=0.05):
            waited = time.monotonic() - start
        return waited

    waited = asyncio.run(asyncio.wait_for(waiter(), timeout=20))
    assert 1.5 < waited < 10
    assert alive.get_lock(conversation) is None
    assert alive.red.keys("locktest:*") == []
