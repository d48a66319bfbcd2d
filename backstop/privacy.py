"""Retention and deletion of stored conversations (Rasa's SQL tracker store) and escalation records.

    python -m backstop.privacy purge --days 30      # conversations idle for more than 30 days
    python -m backstop.privacy forget <sender_id>   # one person's conversation, on request
    python -m backstop.privacy namespace            # once, after upgrading: see namespace()

The database is var/tracker.db (SQLite) unless BACKSTOP_TRACKER_DB_URL names another
SQLAlchemy URL (e.g. the PostgreSQL of the scale-out profile).
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

import sqlalchemy as sa

from backstop import audit, checkins

DEFAULT_URL = f"sqlite:///{Path(__file__).resolve().parent.parent / 'var' / 'tracker.db'}"
DEFAULT_RETENTION_DAYS = float(os.environ.get("BACKSTOP_RETENTION_DAYS", "30"))


def _engine(url: str | None = None) -> sa.engine.Engine:
    return sa.create_engine(url or os.environ.get("BACKSTOP_TRACKER_DB_URL", DEFAULT_URL))


def _delete_checkins(conn: sa.engine.Connection, sender_id: str) -> None:
    """A deleted conversation gets no check-in."""
    if sa.inspect(conn).has_table(checkins.TABLE.name):
        conn.execute(checkins.TABLE.delete().where(checkins.TABLE.c.sender_id == sender_id))


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
            _delete_checkins(conn, sender)
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
        _delete_checkins(conn, sender_id)
    audit.forget(sender_id, audit_path)
    return deleted


PLATFORMS = ("telegram", "slack", "facebook", "twilio")


def namespace(url: str | None = None, audit_path: Path | None = None) -> dict[str, int]:
    """File conversations stored before ids were namespaced by channel under their new ids.

    Messaging-platform conversations used to be stored under the platform's raw id (a Telegram
    chat id, a phone number); they are now ``<channel>:<id>``. Each conversation whose messages
    came from a platform is renamed, with its escalation records; running it again changes
    nothing. Widget and REST conversations keep their ids. Returns renamed conversations per
    channel.
    """
    engine = _engine(url)
    renamed: dict[str, int] = {}
    with engine.begin() as conn:
        if not sa.inspect(conn).has_table("events"):
            return renamed
        channels: dict[str, str] = {}
        for sender, data in conn.execute(sa.text("SELECT sender_id, data FROM events WHERE type_name = 'user'")):
            try:
                channel = json.loads(data or "{}").get("input_channel")
            except (ValueError, AttributeError):
                continue
            if channel in PLATFORMS and not str(sender).startswith(f"{channel}:"):
                channels.setdefault(sender, channel)
        for sender, channel in channels.items():
            new = f"{channel}:{sender}"
            conn.execute(sa.text("UPDATE events SET sender_id = :new WHERE sender_id = :old"),
                         {"new": new, "old": sender})
            if sa.inspect(conn).has_table(checkins.TABLE.name):
                conn.execute(checkins.TABLE.update().where(checkins.TABLE.c.sender_id == sender)
                             .values(sender_id=new))
            audit.rename(sender, new, audit_path)
            renamed[channel] = renamed.get(channel, 0) + 1
    return renamed


def main() -> None:
    parser = argparse.ArgumentParser(description="Delete stored Backstop conversations.")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("purge", help="delete conversations idle for more than N days")
    p.add_argument("--days", type=float, default=DEFAULT_RETENTION_DAYS)
    f = sub.add_parser("forget", help="delete one conversation")
    f.add_argument("sender_id")
    sub.add_parser("namespace", help="once after upgrading: file platform conversations as <channel>:<id>")
    args = parser.parse_args()
    if args.command == "purge":
        print(f"deleted {purge(args.days)} conversations idle for more than {args.days:g} days")
    elif args.command == "namespace":
        counts = namespace()
        print("renamed " + (", ".join(f"{n} {c}" for c, n in sorted(counts.items())) or "nothing") + " conversations")
    else:
        print(f"deleted {forget(args.sender_id)} events of conversation {args.sender_id}")


if __name__ == "__main__":
    main()
