"""Fixes to Rasa 3.6 internals, applied explicitly by ``python -m runtime`` before Rasa starts.

Each fix keeps Rasa's behaviour and was found by profiling (see README "Performance").
Nothing here runs at import time: call :func:`apply`.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import os
from typing import Any, Awaitable, Callable, Dict, Text

logger = logging.getLogger(__name__)

_APPLIED = False
# How long a tracker load or save keeps retrying while the database is locked or restarting.
DB_RETRY_SECONDS_ENV = "BACKSTOP_DB_RETRY_SECONDS"
DEFAULT_DB_RETRY_SECONDS = 20.0
# How long Rasa waits for the action server (Rasa's own default is 5 minutes).
ACTION_TIMEOUT_ENV = "BACKSTOP_ACTION_TIMEOUT"
DEFAULT_ACTION_TIMEOUT = 10


@functools.lru_cache(maxsize=1)
def _action_response_validator() -> Any:
    """The action-server response schema, checked once and compiled once."""
    from jsonschema.validators import validator_for
    from rasa.core.actions.action import RemoteAction

    schema = RemoteAction.action_response_format_spec()
    cls = validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


def validate_action_result(self: Any, result: Dict[Text, Any]) -> bool:
    """Same check and error as ``RemoteAction._validate_action_result``, without re-checking the schema.

    Rasa calls ``jsonschema.validate`` for every action-server response, and that
    re-validates the (large, constant) events schema against the meta-schema each time:
    over half the server's CPU under load, most of it on form validation calls.
    """
    from jsonschema import ValidationError
    from jsonschema.exceptions import best_match
    from rasa.shared.constants import DOCS_BASE_URL

    error = best_match(_action_response_validator().iter_errors(result))
    if error is None:
        return True
    assert isinstance(error, ValidationError)
    error.message += (
        ". Failed to validate Action server response from API, "
        "make sure your response from the Action endpoint is valid. "
        f"For more information about the format visit {DOCS_BASE_URL}/custom-actions"
    )
    raise error


_EVENT_TYPES: Dict[Text, Any] = {}


def resolve_event_type(type_name: Text, default: Any = None) -> Any:
    """``Event.resolve_by_type`` with the type-name lookup cached.

    Rasa walks every Event subclass (with ``inspect.isabstract``) for each event it
    deserialises, i.e. for every event of a conversation each time the tracker is loaded:
    about 7 % of the server's CPU. The table is rebuilt on a miss, so event classes
    imported later are still found, in the same order Rasa would find them.
    """
    if type_name not in _EVENT_TYPES:
        from rasa.shared.core.events import Event
        from rasa.shared.utils.common import all_subclasses

        for cls in all_subclasses(Event):
            _EVENT_TYPES.setdefault(cls.type_name, cls)
    if type_name in _EVENT_TYPES:
        return _EVENT_TYPES[type_name]
    if type_name == "topic":
        return None  # Rasa's backwards compatibility for old TopicSet events
    if default is not None:
        return default
    raise ValueError(f"Unknown event name '{type_name}'.")


def sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    """Write-ahead log for the SQLite tracker store.

    With SQLite's default rollback journal every saved turn waits for a full sync and
    readers block the writer; WAL with synchronous=NORMAL keeps committed turns across a
    crash of the server (only an OS crash or power cut can lose the last ones).
    """
    import sqlite3

    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()


def engine_kwargs(original: Any) -> Any:
    """Wrap Rasa's ``create_engine_kwargs``: pooled SQLite connections, checked PostgreSQL ones.

    SQLAlchemy 1.4 opens a new SQLite connection for every tracker load and save (NullPool);
    a small pool keeps them open (one event loop thread uses them, hence check_same_thread
    off). ``pool_pre_ping`` replaces connections a restarted PostgreSQL has closed, instead of
    failing the first message after the restart.
    """

    @functools.wraps(original)
    def create_engine_kwargs(url: Any) -> Dict[Text, Any]:
        from sqlalchemy.engine import make_url
        from sqlalchemy.pool import QueuePool

        kwargs = dict(original(url))
        parsed = make_url(url) if isinstance(url, str) else url
        if parsed.drivername.startswith("sqlite"):
            if parsed.database not in (None, "", ":memory:"):
                # A short busy timeout: waiting for a lock blocks the event loop, so
                # longer waits are retried asynchronously (see retrying()).
                kwargs.update(poolclass=QueuePool, pool_size=2, max_overflow=4,
                              connect_args={"check_same_thread": False, "timeout": 0.5})
        else:
            kwargs["pool_pre_ping"] = True
        return kwargs

    return create_engine_kwargs


def retrying(method: Callable[..., Awaitable[Any]]) -> Callable[..., Awaitable[Any]]:
    """Retry a tracker-store load or save while the database is locked, restarting or unreachable.

    Rasa's ``FailSafeTrackerStore`` would otherwise start a fresh conversation when a load
    fails and keep a save only in memory, silently forking the conversation. A save is safe
    to retry: it stores only the events the database does not have yet. Logs name the error
    class only, since SQLAlchemy's message carries the event data (the user's words).
    """

    @functools.wraps(method)
    async def wrapper(self: Any, *args: Any, **kwargs: Any) -> Any:
        from sqlalchemy.exc import DBAPIError

        loop = asyncio.get_running_loop()
        deadline = loop.time() + float(os.environ.get(DB_RETRY_SECONDS_ENV, DEFAULT_DB_RETRY_SECONDS))
        delay = 0.1
        while True:
            try:
                return await method(self, *args, **kwargs)
            except DBAPIError as error:
                if loop.time() + delay > deadline:
                    logger.error("Tracker store %s failed (%s); giving up", method.__name__,
                                 type(error.orig).__name__)
                    raise RuntimeError(f"tracker store unavailable ({type(error.orig).__name__})") from None
                logger.warning("Tracker store %s failed (%s); retrying in %.1f s", method.__name__,
                               type(error.orig).__name__, delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 2.0)

    return wrapper


async def failsafe_retrieve(self: Any, sender_id: Text) -> Any:
    """Load from the real store or fail: never hand back an empty conversation on an error."""
    return await self._tracker_store.retrieve(sender_id)


async def failsafe_save(self: Any, tracker: Any) -> None:
    """Save to the real store or fail: never keep a conversation only in this process's memory."""
    await self._tracker_store.save(tracker)


def apply() -> None:
    """Install the fixes once (idempotent)."""
    global _APPLIED
    if _APPLIED:
        return
    import sqlalchemy.event
    from rasa.core import tracker_store
    from rasa.core.actions import action as action_module
    from rasa.core.actions.action import RemoteAction
    from rasa.shared.core.events import Event
    from sqlalchemy.engine import Engine

    RemoteAction._validate_action_result = validate_action_result  # type: ignore[method-assign]
    # A hung action server must not leave the user waiting five minutes: after this the turn
    # fails like an unreachable action server (honest reply + safety advice, see channels/rest.py).
    action_module.DEFAULT_REQUEST_TIMEOUT = int(os.environ.get(ACTION_TIMEOUT_ENV, DEFAULT_ACTION_TIMEOUT))
    Event.resolve_by_type = staticmethod(resolve_event_type)  # type: ignore[method-assign]
    sqlalchemy.event.listen(Engine, "connect", sqlite_pragmas)
    tracker_store.create_engine_kwargs = engine_kwargs(tracker_store.create_engine_kwargs)
    tracker_store.SQLTrackerStore.save = retrying(tracker_store.SQLTrackerStore.save)
    tracker_store.SQLTrackerStore._retrieve = retrying(tracker_store.SQLTrackerStore._retrieve)
    tracker_store.FailSafeTrackerStore.retrieve = failsafe_retrieve
    tracker_store.FailSafeTrackerStore.save = failsafe_save
    _APPLIED = True
