"""Redis lock store for several Rasa instances whose ticket updates are atomic.

Rasa 3.6's ``RedisLockStore`` updates a conversation's ticket lock by read-modify-write
from each instance, so two instances can overwrite each other's tickets or delete a lock
someone just joined. A waiting request's ticket also expires while it waits, and once its
ticket is gone it polls for ever. Both were reproduced by tests/test_scale.py (an instance
killed mid-conversation). This store runs each read-modify-write under a short Redis mutex
and keeps a waiting request's ticket alive; a dead instance's tickets still expire after
``TICKET_LOCK_LIFETIME``. Configured in endpoints.scaled.yml as
``type: runtime.lock_store.AtomicRedisLockStore``.
"""

from __future__ import annotations

import asyncio
import time
from contextlib import asynccontextmanager
from typing import Any, AsyncGenerator, Optional, Text

from rasa.core.lock import TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, LockError, RedisLockStore
from rasa.utils.endpoints import EndpointConfig

MUTEX_SECONDS = 5.0  # a mutex left by a dead instance frees itself after this
MUTEX_WAIT_SECONDS = 10.0


class AtomicRedisLockStore(RedisLockStore):
    """``RedisLockStore`` with mutex-guarded ticket updates and waiting tickets kept alive."""

    def __init__(self, endpoint_config: Optional[EndpointConfig] = None, **kwargs: Any) -> None:
        if endpoint_config is not None:
            kwargs = {"host": endpoint_config.url or "localhost", **endpoint_config.kwargs, **kwargs}
        super().__init__(**kwargs)

    def _mutex(self, conversation_id: Text) -> Any:
        # Held for one Redis round trip or two; sleeps briefly (in the event loop) only
        # when another request of the same conversation holds it.
        return self.red.lock(f"{self.key_prefix}mutex:{conversation_id}", timeout=MUTEX_SECONDS,
                             sleep=0.002, blocking_timeout=MUTEX_WAIT_SECONDS)

    def issue_ticket(self, conversation_id: Text, lock_lifetime: float = LOCK_LIFETIME) -> int:
        try:
            with self._mutex(conversation_id):
                return super().issue_ticket(conversation_id, lock_lifetime)
        except LockError:
            raise
        except Exception as error:
            raise LockError(f"Error while acquiring lock. Error:\n{error}") from error

    def update_lock(self, conversation_id: Text) -> None:
        with self._mutex(conversation_id):
            super().update_lock(conversation_id)

    def cleanup(self, conversation_id: Text, ticket_number: int) -> None:
        with self._mutex(conversation_id):
            super().cleanup(conversation_id, ticket_number)

    def _wait_turn(self, conversation_id: Text, ticket: int, lock_lifetime: float) -> tuple[TicketLock, int]:
        """One atomic look at the lock: drop expired tickets, keep ours alive (or re-queue it)."""
        with self._mutex(conversation_id):
            lock = self.get_or_create_lock(conversation_id)
            lock.remove_expired_tickets()
            mine = next((t for t in lock.tickets if t.number == ticket), None)
            if mine is None:  # expired while this server was stalled: queue again rather than wait for ever
                ticket = lock.issue_ticket(lock_lifetime)
            else:
                mine.expires = time.time() + lock_lifetime
            self.save_lock(lock)
            return lock, ticket

    @asynccontextmanager
    async def lock(self, conversation_id: Text, lock_lifetime: float = LOCK_LIFETIME,
                   wait_time_in_seconds: float = 1) -> AsyncGenerator[TicketLock, None]:
        ticket = self.issue_ticket(conversation_id, lock_lifetime)
        try:
            # Rasa polls once a second; a shorter poll keeps a busy conversation responsive.
            poll = min(wait_time_in_seconds, 0.05)
            while True:
                lock, ticket = self._wait_turn(conversation_id, ticket, lock_lifetime)
                if not lock.is_locked(ticket):
                    break
                await asyncio.sleep(poll)
            yield lock
        finally:
            self.cleanup(conversation_id, ticket)
