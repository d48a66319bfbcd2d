"""Rasa 3.6's socket.io channel with the missing ``await`` on ``enter_room``.

Upstream bug RasaHQ/rasa#13027: with python-socketio 5.x ``enter_room`` is a
coroutine; Rasa 3.6.21 never awaits it, so with ``session_persistence: true`` the
browser never joins its session's room and never receives a reply.
"""

from __future__ import annotations

import re
import uuid
from typing import Any, Awaitable, Callable, Dict, Optional, Text

from rasa.core.channels.channel import UserMessage
from rasa.core.channels.socketio import SocketIOInput as RasaSocketIOInput
from sanic import Blueprint

# Session ids are ours (uuid4 hex); anything else gets a fresh one, so nobody joins a guessed room.
_SESSION_ID = re.compile(r"^[0-9a-f]{32}$")


class SocketIOInput(RasaSocketIOInput):
    """Same channel name and settings as Rasa's ``socketio``; fixes joining the session room."""

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        bp = super().blueprint(on_new_message)
        sio = self.sio

        @sio.on("session_request", namespace=self.namespace)
        async def session_request(sid: Text, data: Optional[Dict]) -> None:
            data = data if isinstance(data, dict) else {}
            session_id = str(data.get("session_id") or "")
            if not _SESSION_ID.match(session_id):
                session_id = uuid.uuid4().hex
            if self.session_persistence:
                await sio.enter_room(sid, session_id, namespace=self.namespace)
            await sio.emit("session_confirm", session_id, room=sid, namespace=self.namespace)

        return bp
