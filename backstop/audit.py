"""Audit trail of escalations: when, which conversation, which red flag, which level.

No message text is stored. Clinic staff list it with ``python -m backstop.audit``.
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import time
from pathlib import Path

DEFAULT_DB = Path(__file__).resolve().parent.parent / "var" / "audit.db"
_SCHEMA = """
CREATE TABLE IF NOT EXISTS escalations (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    ts REAL NOT NULL,
    conversation_id TEXT NOT NULL,
    red_flag TEXT NOT NULL,
    level TEXT NOT NULL
)
"""


def db_path() -> Path:
    return Path(os.environ.get("BACKSTOP_AUDIT_DB", str(DEFAULT_DB)))


def _connect(path: Path | None = None) -> sqlite3.Connection:
    path = path or db_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(str(path), timeout=5)
    conn.execute(_SCHEMA)
    return conn


def record(conversation_id: str, red_flag: str, level: str, path: Path | None = None) -> None:
    """Append one escalation; the conversation text is deliberately not stored."""
    with _connect(path) as conn:
        conn.execute(
            "INSERT INTO escalations (ts, conversation_id, red_flag, level) VALUES (?, ?, ?, ?)",
            (time.time(), conversation_id, red_flag, level),
        )
    conn.close()


def query(since: float = 0.0, path: Path | None = None) -> list[tuple[float, str, str, str]]:
    """Escalations at or after ``since`` (a UNIX time), oldest first."""
    with _connect(path) as conn:
        rows = conn.execute(
            "SELECT ts, conversation_id, red_flag, level FROM escalations WHERE ts >= ? ORDER BY ts, id",
            (since,),
        ).fetchall()
    conn.close()
    return rows


def purge(before: float, path: Path | None = None) -> None:
    """Delete escalation records older than ``before`` (a UNIX time)."""
    with _connect(path) as conn:
        conn.execute("DELETE FROM escalations WHERE ts < ?", (before,))
    conn.close()


def forget(conversation_id: str, path: Path | None = None) -> None:
    """Delete one conversation's escalation records."""
    with _connect(path) as conn:
        conn.execute("DELETE FROM escalations WHERE conversation_id = ?", (conversation_id,))
    conn.close()


def rename(old: str, new: str, path: Path | None = None) -> None:
    """File one conversation's escalation records under its new id (see privacy.namespace)."""
    with _connect(path) as conn:
        conn.execute("UPDATE escalations SET conversation_id = ? WHERE conversation_id = ?", (new, old))
    conn.close()


def main() -> None:
    parser = argparse.ArgumentParser(description="List Backstop red-flag escalations.")
    parser.add_argument("--days", type=float, default=30, help="how many days back (default 30)")
    args = parser.parse_args()
    for ts, conv, flag, level in query(time.time() - args.days * 86400):
        stamp = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(ts))
        print(f"{stamp}Z  {level:9}  {flag:28}  {conv}")


if __name__ == "__main__":
    main()
