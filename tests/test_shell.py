"""`make shell`'s chat, driven in a pseudo-terminal like a person would use it."""

from __future__ import annotations

import os
from pathlib import Path

import pexpect
import pytest

from tests.servers import MODEL, ROOT

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(not MODEL.exists(), reason="needs the trained model: make train"),
]


def test_shell_conversation(tmp_path: Path):
    endpoints = tmp_path / "endpoints.yml"
    endpoints.write_text(
        "action_endpoint:\n  url: http://127.0.0.1:5355/webhook\n"
        f"tracker_store:\n  type: SQL\n  dialect: sqlite\n  db: {tmp_path / 'tracker.db'}\n"
    )
    env = {**os.environ, "RASA_PORT": "5305", "ACTION_PORT": "5355", "ENDPOINTS": str(endpoints),
           "BACKSTOP_AUDIT_DB": str(tmp_path / "audit.db"), "TERM": "xterm"}
    child = pexpect.spawn(str(ROOT / "scripts" / "run.sh"), ["shell"], cwd=str(ROOT), env=env,
                          encoding="utf-8", timeout=240, dimensions=(40, 160))
    child.logfile_read = open(tmp_path / "shell.out", "w")  # noqa: SIM115 - closed with the child
    try:
        child.expect("Your input ->")
        child.sendline("hi")
        child.expect("not a diagnosis")
        child.expect("Your input ->")
        child.sendline("what is DOMS?")
        child.expect("soreness")
        child.expect("Your input ->")
        child.sendline("I peed myself and my back is killing me")
        child.expect("needs emergency care")  # the escalation itself, not the disclaimer
        child.expect("Your input ->")
        child.sendline("my lower back hurts after deadlifts")
        # choices are a short numbered list of titles, never payloads; typing a number picks that one
        child.expect("When did it start")
        child.expect("1. During the exercise")
        child.expect("3. The next day")
        child.expect("Your input ->")
        assert "/inform" not in child.before
        child.sendline("3")
        child.expect("What does it feel like")
        child.expect("Your input ->")
        assert slot(tmp_path / "tracker.db", "pain_onset") == "next_day"
        # free text at a question with choices is read as an answer too
        child.sendline("more of a dull ache really")
        child.expect("  1\\. ")  # the next question's choices (the prompt itself is redrawn as one types)
        assert slot(tmp_path / "tracker.db", "pain_character") == "dull_ache"
    finally:
        child.terminate(force=True)
        child.close()


def slot(db: Path, name: str) -> object:
    """The latest value the conversation in ``db`` set for slot ``name``."""
    import json
    import sqlite3

    with sqlite3.connect(db) as conn:
        rows = conn.execute("SELECT data FROM events WHERE type_name = 'slot' ORDER BY id").fetchall()
    values = [json.loads(r[0]) for r in rows]
    return next((v["value"] for v in reversed(values) if v.get("name") == name), None)
