"""Scheduled check-ins kept in the tracker database, so they survive restarts and go out once.

Rasa keeps reminders in an in-memory scheduler: a restart loses them, every instance of the
scale-out profile would hold its own, and its job id is the reminder's name, so one person's
"checkin" replaced another's. Here each scheduled check-in is a row (conversation, name, channel,
due time, the reminder event); whichever instance sweeps first claims a due row with one
conditional UPDATE, so exactly one sends it. A claim that was never finished (the instance died
mid-send) is released after ``STALE_CLAIM_SECONDS``.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

STALE_CLAIM_SECONDS = 600.0
_META = sa.MetaData()
TABLE = sa.Table(
    "backstop_checkins", _META,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("sender_id", sa.String(255), nullable=False),
    sa.Column("name", sa.String(255), nullable=False),
    sa.Column("channel", sa.String(64), nullable=False),
    sa.Column("due", sa.Float, nullable=False, index=True),
    sa.Column("event", sa.Text, nullable=False),
    sa.Column("claimed_by", sa.String(64)),
    sa.Column("claimed_at", sa.Float),
    sa.UniqueConstraint("sender_id", "name", name="backstop_checkins_one_per_name"),
)


@dataclass(frozen=True)
class Due:
    """A claimed check-in, ready to send."""

    id: int
    sender_id: str
    channel: str
    event: dict[str, Any]


class CheckinStore:
    """The check-in table in one database (the tracker store's engine)."""

    def __init__(self, engine: sa.engine.Engine) -> None:
        self.engine = engine
        _META.create_all(engine, tables=[TABLE])

    def schedule(self, sender_id: str, name: str, channel: str, due: float, event: dict[str, Any]) -> None:
        """Schedule (or move) this conversation's check-in called ``name``."""
        with self.engine.begin() as conn:
            conn.execute(TABLE.delete().where(TABLE.c.sender_id == sender_id, TABLE.c.name == name))
            conn.execute(TABLE.insert().values(sender_id=sender_id, name=name, channel=channel, due=due,
                                               event=json.dumps(event)))

    def cancel(self, sender_id: str, name: str | None = None) -> int:
        """Cancel one conversation's check-ins (all, or the one called ``name``); returns how many."""
        query = TABLE.delete().where(TABLE.c.sender_id == sender_id)
        if name is not None:
            query = query.where(TABLE.c.name == name)
        with self.engine.begin() as conn:
            return conn.execute(query).rowcount

    def claim_due(self, claimer: str, now: float | None = None) -> list[Due]:
        """The due check-ins this claimer won; another claimer never gets the same row."""
        now = time.time() if now is None else now
        claimed = []
        with self.engine.begin() as conn:
            conn.execute(TABLE.update().where(TABLE.c.claimed_at < now - STALE_CLAIM_SECONDS)
                         .values(claimed_by=None, claimed_at=None))
        with self.engine.connect() as conn:
            due = conn.execute(sa.select(TABLE.c.id).where(TABLE.c.due <= now, TABLE.c.claimed_by.is_(None))
                               .order_by(TABLE.c.due)).scalars().all()
        for row_id in due:
            with self.engine.begin() as conn:
                won = conn.execute(TABLE.update().where(TABLE.c.id == row_id, TABLE.c.claimed_by.is_(None))
                                   .values(claimed_by=claimer, claimed_at=now)).rowcount == 1
                if won:
                    row = conn.execute(sa.select(TABLE).where(TABLE.c.id == row_id)).one()
                    claimed.append(Due(row.id, row.sender_id, row.channel, json.loads(row.event)))
        return claimed

    def release(self, row_id: int) -> None:
        """Give a claimed check-in back (nobody to deliver it to yet): a later sweep retries it."""
        with self.engine.begin() as conn:
            conn.execute(TABLE.update().where(TABLE.c.id == row_id).values(claimed_by=None, claimed_at=None))

    def done(self, row_id: int) -> None:
        """A claimed check-in was sent: forget it."""
        with self.engine.begin() as conn:
            conn.execute(TABLE.delete().where(TABLE.c.id == row_id))

    def pending(self, sender_id: str) -> int:
        """How many check-ins this conversation has waiting."""
        with self.engine.connect() as conn:
            return conn.execute(sa.select(sa.func.count()).select_from(TABLE)
                                .where(TABLE.c.sender_id == sender_id)).scalar_one()
