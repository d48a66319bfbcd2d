"""Retention and deletion of stored conversations (Rasa's SQL tracker store) and escalation records.

    python -m backstop.privacy purge --days 30      # conversations idle for more than 30 days
    python -m backstop.privacy forget <sender_id>   # one person's conversation, on request

The database is var/tracker.db (SQLite) unless BACKSTOP_TRACKER_DB_URL names another
SQLAlchemy URL (e.g. the PostgreSQL of the scale-out profile).
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

import sqlalchemy as sa

from backstop import audit

DEFAULT_URL = f"sqlite:///{Path(__file__).resolve().parent.parent / 'var' / 'tracker.db'}"
DEFAULT_RETENTION_DAYS = float(os.environ.get("BACKSTOP_RETENTION_DAYS", "30"))


def _engine(url: str | None = None) -> sa.engine.Engine:
    return sa.create_engine(url or os.environ.get("BACKSTOP_TRACKER_DB_URL", DEFAULT_URL))


def purge(days: float, url: str | None = None, audit_path: Path | None = None) -> int:
    """Delete every conversation whose last event is older than ``days``; returns how many."""
    cutoff = time.time() - days * 86400
    engine = _engine(url)
    with engine.begin() as conn:
        if not sa.inspect(conn).has_table("events"):
            return 0
        stale = [row[0] for row in conn.execute(sa.text(
            "SELECT sender_id FROM events GROUP BY sender_id HAVING MAX(timestamp) < :cutoff"), {"cutoff": cutoff})]
        for sender in stale:
            conn.execute(sa.text("DELETE FROM events WHERE sender_id = :s"), {"s": sender})
    audit.purge(cutoff, audit_path)
    return len(stale)


def forget(sender_id: str, url: str | None = None, audit_path: Path | None = None) -> int:
    """Delete one conversation (all its events and escalation records); returns events deleted."""
    engine = _engine(url)
    with engine.begin() as conn:
        if not sa.inspect(conn).has_table("events"):
            deleted = 0
        else:
            deleted = conn.execute(sa.text("DELETE FROM events WHERE sender_id = :s"), {"s": sender_id}).rowcount
    audit.forget(sender_id, audit_path)
    return deleted


def main() -> None:
    parser = argparse.ArgumentParser(description="Delete stored Backstop conversations.")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("purge", help="delete conversations idle for more than N days")
    p.add_argument("--days", type=float, default=DEFAULT_RETENTION_DAYS)
    f = sub.add_parser("forget", help="delete one conversation")
    f.add_argument("sender_id")
    args = parser.parse_args()
    if args.command == "purge":
        print(f"deleted {purge(args.days)} conversations idle for more than {args.days:g} days")
    else:
        print(f"deleted {forget(args.sender_id)} events of conversation {args.sender_id}")


if __name__ == "__main__":
    main()
