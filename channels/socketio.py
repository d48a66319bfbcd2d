"""Rasa 3.6's socket.io channel, with sessions only the server can mint and an enforced origin check.

- **Sessions belong to the socket they were given to.** ``session_request`` mints a random
  conversation id and confirms it as a signed token (``<id>.<signature>``, HMAC-SHA256 with
  the session secret) that the widget keeps. A socket may resume only a token this server (or
  another instance sharing the secret) signed; anything else (a guessed id, a phone number,
  another channel's id) gets a fresh session. A ``user_uttered`` event is handled for the
  session bound to *its socket*, never for the ``session_id`` it names: a socket that never
  asked for a session, or names another one, is refused.
- **Origin check enforced.** Rasa creates its socket.io server with ``cors_allowed_origins=[]``,
  which turns python-engineio's Origin check off: any site could open the socket. Here the
  allowed origins are ``BACKSTOP_CORS`` (space-separated; ``*`` allows any), and without it
  only the server's own origin.
- **Nothing a polling client sends is dropped.** python-engineio decodes at most 16 packets from
  one long-polling POST and silently discards the whole POST beyond that (it logs and answers
  OK); a widget behind a proxy without websockets that flushes its buffered messages after a
  reconnect would lose them. The limit is raised here; ``max_http_buffer_size`` still bounds a
  POST's size.
- Upstream bug RasaHQ/rasa#13027 fixed: ``enter_room`` is a coroutine in python-socketio 5.x
  and Rasa 3.6.21 never awaits it, so the browser never joined its room.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import re
import secrets
from pathlib import Path
from typing import Any, Awaitable, Callable, Dict, Optional, Text

from engineio.payload import Payload
from rasa.core.channels.channel import UserMessage
from rasa.core.channels.socketio import SocketIOInput as RasaSocketIOInput
from rasa.core.channels.socketio import SocketIOOutput
from sanic import Blueprint

from channels.rest import EMPTY_REPLY, MAX_MESSAGE_CHARS, NO_REPLY

logger = logging.getLogger(__name__)

CORS_ENV = "BACKSTOP_CORS"
MAX_PACKETS_PER_POST = 256
SECRET_ENV = "BACKSTOP_SESSION_SECRET"
SECRET_FILE = Path("var/session-secret")
_ID = re.compile(r"^[0-9a-f]{32}$")
REFUSED = "This chat session has expired. Please reload the page to start a new chat."


def allowed_origins(value: Optional[str]) -> Any:
    """python-engineio's ``cors_allowed_origins`` for ``BACKSTOP_CORS``: None (same origin only)
    when unset, ``"*"`` for any origin, else the list of origins."""
    origins = (value or "").split()
    if not origins:
        return None
    return "*" if "*" in origins else origins


def load_secret(path: Path = SECRET_FILE) -> bytes:
    """The session-signing secret: ``BACKSTOP_SESSION_SECRET``, else a file made on first use
    (mode 0600), so sessions survive restarts and every instance on this machine agrees."""
    value = os.environ.get(SECRET_ENV)
    if value:
        return value.encode()
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_hex(32))
    return path.read_text().strip().encode()


def is_listening(output: Any, conversation_id: str) -> bool:
    """Whether a message sent through ``output`` now reaches someone: on socket.io, whether a
    browser of that conversation is connected to this server (its room is not empty); other
    channels deliver whenever they are written to."""
    if not isinstance(output, SocketIOOutput):
        return True
    return any(True for _ in output.sio.manager.get_participants("/", conversation_id))


class SessionTokens:
    """Mints conversation ids and signs them; verifies a token a client brings back."""

    def __init__(self, secret: bytes) -> None:
        self.secret = secret

    def _signature(self, conversation_id: str) -> str:
        return hmac.new(self.secret, conversation_id.encode(), hashlib.sha256).hexdigest()[:32]

    def mint(self) -> tuple[str, str]:
        """(conversation id, token) for a new session."""
        conversation_id = secrets.token_hex(16)
        return conversation_id, f"{conversation_id}.{self._signature(conversation_id)}"

    def verify(self, token: Any) -> Optional[str]:
        """The conversation id of a token this secret signed, else None."""
        if not isinstance(token, str) or token.count(".") != 1:
            return None
        conversation_id, signature = token.split(".")
        if not _ID.match(conversation_id):
            return None
        return conversation_id if hmac.compare_digest(signature, self._signature(conversation_id)) else None


class SocketIOInput(RasaSocketIOInput):
    """Same channel name and settings as Rasa's ``socketio``; see the module docstring."""

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        bp = super().blueprint(on_new_message)
        sio = self.sio
        sio.eio.cors_allowed_origins = allowed_origins(os.environ.get(CORS_ENV))
        Payload.max_decode_packets = MAX_PACKETS_PER_POST  # class-wide in python-engineio
        tokens = SessionTokens(load_secret())
        bound: Dict[str, tuple[str, str]] = {}  # socket id -> (conversation id, token)

        @sio.on("session_request", namespace=self.namespace)
        async def session_request(sid: Text, data: Any = None) -> None:
            token = data.get("session_id") if isinstance(data, dict) else None
            conversation_id = tokens.verify(token)
            if conversation_id is None:
                conversation_id, token = tokens.mint()
            bound[sid] = (conversation_id, token)
            await sio.enter_room(sid, conversation_id, namespace=self.namespace)
            await sio.emit("session_confirm", token, room=sid, namespace=self.namespace)

        @sio.on(self.user_message_evt, namespace=self.namespace)
        async def handle_message(sid: Text, data: Any = None) -> None:
            session = bound.get(sid)
            data = data if isinstance(data, dict) else {}
            if session is None or data.get("session_id") not in (None, session[1]):
                logger.warning("socket.io: a message for a session this socket was not given was refused")
                await sio.emit(self.bot_message_evt, {"text": REFUSED}, room=sid, namespace=self.namespace)
                return
            message = data.get("message")
            if not isinstance(message, str) or not message.strip():
                await sio.emit(self.bot_message_evt, {"text": EMPTY_REPLY}, room=sid, namespace=self.namespace)
                return
            metadata = data.get(self.metadata_key)
            try:
                await on_new_message(UserMessage(
                    message[:MAX_MESSAGE_CHARS],
                    SocketIOOutput(sio, self.bot_message_evt),
                    session[0],
                    input_channel=self.name(),
                    metadata=metadata if isinstance(metadata, dict) else None,
                ))
            except Exception as exc:  # noqa: BLE001 - the person still gets an answer; no text in the log
                logger.error("socket.io: a turn failed (%s)", type(exc).__name__)
                await sio.emit(self.bot_message_evt, {"text": NO_REPLY}, room=sid, namespace=self.namespace)

        @sio.on("disconnect", namespace=self.namespace)
        async def disconnect(sid: Text) -> None:
            bound.pop(sid, None)

        return bp
