"""Retention and deletion work on a real SQL tracker store written by Rasa's own code."""

from __future__ import annotations

import asyncio
import time

from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from backstop import audit, privacy


def _store_conversation(store: SQLTrackerStore, sender: str, when: float) -> None:
    tracker = DialogueStateTracker.from_events(sender, [UserUttered("my back hurts", timestamp=when)])
    asyncio.run(store.save(tracker))


def test_purge_deletes_only_idle_conversations(tmp_path):
    db = tmp_path / "tracker.db"
    store = SQLTrackerStore(Domain.empty(), dialect="sqlite", db=str(db))
    _store_conversation(store, "old", time.time() - 40 * 86400)
    _store_conversation(store, "recent", time.time())
    audit_db = tmp_path / "audit.db"
    audit.record("old", "fever_unwell", "urgent", audit_db)
    assert privacy.purge(30, url=f"sqlite:///{db}", audit_path=audit_db) == 1
    assert asyncio.run(store.retrieve("old")) is None
    assert asyncio.run(store.retrieve("recent")) is not None
    assert [r[1] for r in audit.query(path=audit_db)] == ["old"]  # recorded just now: kept


def test_forget_deletes_one_person(tmp_path):
    db = tmp_path / "tracker.db"
    store = SQLTrackerStore(Domain.empty(), dialect="sqlite", db=str(db))
    _store_conversation(store, "alice", time.time())
    _store_conversation(store, "bob", time.time())
    audit_db = tmp_path / "audit.db"
    audit.record("alice", "foot_drop", "urgent", audit_db)
    assert privacy.forget("alice", url=f"sqlite:///{db}", audit_path=audit_db) == 1
    assert asyncio.run(store.retrieve("alice")) is None
    assert asyncio.run(store.retrieve("bob")) is not None
    assert audit.query(path=audit_db) == []


def test_namespace_files_old_platform_conversations_under_their_channel(tmp_path):
    db = tmp_path / "tracker.db"
    store = SQLTrackerStore(Domain.empty(), dialect="sqlite", db=str(db))
    for sender, channel in (("93372553", "telegram"), ("+14155550123", "twilio"), ("alice", "rest"),
                            ("telegram:555", "telegram")):
        tracker = DialogueStateTracker.from_events(
            sender, [UserUttered("my back hurts", input_channel=channel, timestamp=time.time())])
        asyncio.run(store.save(tracker))
    audit_db = tmp_path / "audit.db"
    audit.record("+14155550123", "fever_unwell", "urgent", audit_db)
    url = f"sqlite:///{db}"
    assert privacy.namespace(url=url, audit_path=audit_db) == {"telegram": 1, "twilio": 1}
    assert asyncio.run(store.retrieve("93372553")) is None
    assert asyncio.run(store.retrieve("telegram:93372553")).latest_message.text == "my back hurts"
    assert asyncio.run(store.retrieve("twilio:+14155550123")) is not None
    assert asyncio.run(store.retrieve("alice")) is not None  # REST ids stay exactly as sent
    assert asyncio.run(store.retrieve("telegram:555")) is not None  # already namespaced: untouched
    assert [r[1] for r in audit.query(path=audit_db)] == ["twilio:+14155550123"]
    assert privacy.namespace(url=url, audit_path=audit_db) == {}  # idempotent
