"""The durable check-in table on a real SQLite database: schedule, move, cancel, claim exactly once."""

from __future__ import annotations

import threading
import time

import sqlalchemy as sa

from backstop import checkins, privacy


def _store(tmp_path) -> checkins.CheckinStore:
    return checkins.CheckinStore(sa.create_engine(f"sqlite:///{tmp_path / 'tracker.db'}"))


def _event(name: str = "checkin") -> dict:
    return {"event": "reminder", "intent": "EXTERNAL_checkin", "name": name, "date_time": "2026-12-04T10:00:00"}


def test_a_due_checkin_is_claimed_once_and_a_later_one_waits(tmp_path):
    store = _store(tmp_path)
    now = time.time()
    store.schedule("telegram:1", "checkin", "telegram", now - 1, _event())
    store.schedule("telegram:2", "checkin", "telegram", now + 3600, _event())
    due = store.claim_due("a", now)
    assert [(d.sender_id, d.channel, d.event["intent"]) for d in due] == [
        ("telegram:1", "telegram", "EXTERNAL_checkin")]
    assert store.claim_due("b", now) == []  # claimed, not yet done: nobody else gets it
    store.done(due[0].id)
    assert store.pending("telegram:1") == 0 and store.pending("telegram:2") == 1


def test_two_people_with_the_same_reminder_name_both_keep_theirs(tmp_path):
    """Rasa's scheduler used the name as the job id: a second person's check-in replaced the first's."""
    store = _store(tmp_path)
    store.schedule("alice", "checkin", "socketio", time.time() - 1, _event())
    store.schedule("bob", "checkin", "socketio", time.time() - 1, _event())
    store.schedule("bob", "checkin", "socketio", time.time() - 1, _event())  # scheduled again: moved, not doubled
    assert sorted(d.sender_id for d in store.claim_due("a")) == ["alice", "bob"]


def test_two_instances_sweeping_at_once_send_each_checkin_once(tmp_path):
    first, second = _store(tmp_path), _store(tmp_path)  # two engines, as two Rasa instances
    for i in range(40):
        first.schedule(f"user-{i}", "checkin", "socketio", time.time() - 1, _event())
    won: dict[str, list] = {"a": [], "b": []}

    def sweep(name: str, store: checkins.CheckinStore) -> None:
        for _ in range(5):
            won[name] += [d.sender_id for d in store.claim_due(name)]

    threads = [threading.Thread(target=sweep, args=("a", first)), threading.Thread(target=sweep, args=("b", second))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(won["a"] + won["b"]) == sorted(f"user-{i}" for i in range(40))


def test_a_claim_left_by_a_dead_instance_is_sent_later(tmp_path):
    store = _store(tmp_path)
    now = time.time()
    store.schedule("alice", "checkin", "telegram", now - 1, _event())
    assert store.claim_due("dead", now)
    assert store.claim_due("alive", now + 1) == []
    assert [d.sender_id for d in store.claim_due("alive", now + checkins.STALE_CLAIM_SECONDS + 1)] == ["alice"]


def test_a_released_checkin_is_claimed_again(tmp_path):
    store = _store(tmp_path)
    store.schedule("alice", "checkin", "socketio", time.time() - 1, _event())
    (due,) = store.claim_due("a")
    store.release(due.id)  # the widget was not open
    assert [d.sender_id for d in store.claim_due("b")] == ["alice"]


def test_cancel_and_forget_remove_checkins(tmp_path):
    store = _store(tmp_path)
    store.schedule("alice", "checkin", "telegram", time.time() + 60, _event())
    store.schedule("alice", "other", "telegram", time.time() + 60, _event("other"))
    assert store.cancel("alice", "other") == 1 and store.pending("alice") == 1
    privacy.forget("alice", url=f"sqlite:///{tmp_path / 'tracker.db'}", audit_path=tmp_path / "audit.db")
    assert store.pending("alice") == 0
