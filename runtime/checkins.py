"""Durable check-ins in the Rasa server: reminders go to the tracker database, a sweeper sends them.

``install()`` (called by ``python -m runtime``) replaces Rasa's in-memory reminder scheduling
with :class:`backstop.checkins.CheckinStore` in the SQL tracker store's database, and adds a
task to every server that sends the due ones every ``BACKSTOP_CHECKIN_SWEEP_SECONDS`` (default
30) through the channel the person used (on the widget, once their page is connected again).
Rasa's own check that "the reminder is still in the conversation" is not used: a 48-hour
check-in always falls in a new session, whose tracker no longer holds the reminder. A check-in
is cancelled by a ``ReminderCancelled`` event or by deleting the conversation
(``backstop.privacy forget``).
"""

from __future__ import annotations

import asyncio
import logging
import os
import uuid
from typing import Any, List, Optional

from backstop.checkins import CheckinStore
from channels.socketio import is_listening

logger = logging.getLogger(__name__)

SWEEP_ENV = "BACKSTOP_CHECKIN_SWEEP_SECONDS"
_STORES: dict[int, CheckinStore] = {}


def store_for(tracker_store: Any) -> Optional[CheckinStore]:
    """The check-in store in the same database as an SQL tracker store, else None."""
    inner = getattr(tracker_store, "_tracker_store", tracker_store)  # FailSafeTrackerStore wraps it
    engine = getattr(inner, "engine", None)
    if engine is None:
        return None
    key = id(engine)
    if key not in _STORES:
        _STORES[key] = CheckinStore(engine)
    return _STORES[key]


def _output_channel(app: Any, channel: str) -> Any:
    from rasa.core.channels.channel import CollectingOutputChannel

    for input_channel in getattr(app.ctx, "input_channels", None) or []:
        if input_channel.name() == channel:
            return input_channel.get_output_channel() or CollectingOutputChannel()
    logger.warning("Check-in for a channel that is not configured (%s): stored, not delivered", channel)
    return CollectingOutputChannel()


async def send_due(app: Any, claimer: str) -> int:
    """Send the due check-ins this server claims; returns how many were sent."""
    from rasa.shared.core.events import Event

    agent = app.ctx.agent
    if agent is None or agent.processor is None:
        return 0
    processor = agent.processor
    store = store_for(processor.tracker_store)
    if store is None:
        return 0
    sent = 0
    for due in await asyncio.to_thread(store.claim_due, claimer):
        reminder = Event.from_parameters(due.event)
        output = _output_channel(app, due.channel)
        if not is_listening(output, due.sender_id):  # the widget is not open: send when it is
            await asyncio.to_thread(store.release, due.id)
            continue
        try:
            async with processor.lock_store.lock(due.sender_id):
                tracker = await processor.fetch_tracker_and_update_session(due.sender_id, output)
                await processor.trigger_external_user_uttered(
                    reminder.intent, reminder.entities or {}, tracker, output)
        except Exception as exc:  # noqa: BLE001 - left claimed; retried once the claim goes stale
            logger.error("A check-in could not be sent (%s)", type(exc).__name__)
            continue
        await asyncio.to_thread(store.done, due.id)
        sent += 1
    return sent


def install() -> None:
    """Route Rasa's reminders to the durable store and start a sweeper with every server."""
    import rasa.core.run
    from rasa.core.processor import MessageProcessor
    from rasa.shared.core.events import ReminderCancelled, ReminderScheduled

    if getattr(MessageProcessor, "_backstop_checkins", False):
        return
    original_schedule = MessageProcessor._schedule_reminders
    original_cancel = MessageProcessor._cancel_reminders

    async def schedule_reminders(self: Any, events: List[Any], tracker: Any, output_channel: Any) -> None:
        store = store_for(self.tracker_store)
        if store is None:  # not an SQL tracker store: Rasa's in-memory scheduler
            await original_schedule(self, events, tracker, output_channel)
            return
        channel = tracker.get_latest_input_channel() or ""
        for event in events:
            if isinstance(event, ReminderScheduled):
                await asyncio.to_thread(store.schedule, tracker.sender_id, event.name, channel,
                                        event.trigger_date_time.timestamp(), event.as_dict())

    async def cancel_reminders(self: Any, events: List[Any], tracker: Any) -> None:
        store = store_for(self.tracker_store)
        if store is None:
            await original_cancel(events, tracker)
            return
        for event in events:
            if isinstance(event, ReminderCancelled):
                await asyncio.to_thread(store.cancel, tracker.sender_id, event.name)

    MessageProcessor._schedule_reminders = schedule_reminders  # type: ignore[method-assign]
    MessageProcessor._cancel_reminders = cancel_reminders  # type: ignore[method-assign]
    MessageProcessor._backstop_checkins = True  # type: ignore[attr-defined]

    original_configure = rasa.core.run.configure_app

    def configure_app(*args: Any, **kwargs: Any) -> Any:
        app = original_configure(*args, **kwargs)
        claimer = uuid.uuid4().hex[:16]
        interval = float(os.environ.get(SWEEP_ENV, "30"))

        async def sweep(running_app: Any) -> None:
            while True:
                try:
                    await send_due(running_app, claimer)
                except Exception as exc:  # noqa: BLE001 - the database may be restarting; try again
                    logger.error("Check-in sweep failed (%s)", type(exc).__name__)
                await asyncio.sleep(interval)

        async def start(running_app: Any, _loop: Any) -> None:
            running_app.ctx.checkin_sweeper = asyncio.get_running_loop().create_task(sweep(running_app))

        async def stop(running_app: Any, _loop: Any) -> None:
            task = getattr(running_app.ctx, "checkin_sweeper", None)
            if task is not None:
                task.cancel()

        app.register_listener(start, "after_server_start")
        app.register_listener(stop, "before_server_stop")
        return app

    rasa.core.run.configure_app = configure_app
