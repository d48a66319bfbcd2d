"""REST webhook that checks its input and never answers with silence.

Same URL and JSON as Rasa's ``rest`` channel (POST /webhooks/rest/webhook with
``{"sender": ..., "message": ...}``), plus:
- malformed or wrong-typed JSON and missing sender ids get a 400 with a message
  (Rasa's channel would file anonymous messages under one shared "default" user);
- empty messages get a friendly reply without touching the model;
- when nothing at all was sent back (e.g. the action server is down) the user gets
  an honest "can't look that up" plus the safety message instead of silence;
- message text is never logged;
- isolation: a sender may not take the form of another channel's conversation ids (a socket.io
  session id, ``telegram:…``, ``twilio:…``...), so the REST webhook cannot enter those; and
  when ``BACKSTOP_REST_SECRET`` is set (``make run`` sets it whenever Backstop listens beyond
  this machine) every request must carry it in the ``X-Backstop-Secret`` header: the webhook
  is for the clinic's trusted back ends, not for the public.
"""

from __future__ import annotations

import hmac
import logging
import os
import re
from typing import Any, Awaitable, Callable, Dict, Optional, Text

from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.exceptions import SanicException
from sanic.request import Request
from sanic.response import HTTPResponse

logger = logging.getLogger(__name__)

MAX_MESSAGE_CHARS = 100_000
MAX_SENDER_CHARS = 256
EMPTY_REPLY = ("I didn't get any text there. Tell me what's going on with your back, or ask a question "
               "like \"ice or heat?\".")
NO_REPLY = ("Sorry, I can't look that up right now. If your pain is severe or getting worse, spreads down "
            "your legs, or you have numbness, weakness, or bladder or bowel problems, get medical help now; "
            "in an emergency call your local emergency number (911 in the US, 999 in the UK, 112 in the EU).")
NOT_SAVED = ("I couldn't save that part of our conversation just now, so I may not remember it. "
             "Please send your last message again in a minute.")
SECRET_ENV = "BACKSTOP_REST_SECRET"
SECRET_HEADER = "X-Backstop-Secret"
# Other channels' conversation ids: socket.io's minted ids and the platforms' namespaces.
OTHER_CHANNEL_ID = re.compile(r"^(?:[0-9a-f]{32}|(?:telegram|slack|facebook|twilio|socketio):.*)$", re.I | re.S)
SILENT_COMMANDS = ("/restart", "/session_start", "/stop")
# The session's first reply starts with the disclaimer (utter_disclaimer); on its own it answers nothing.
DISCLAIMER_START = "I'm Backstop, an information service"


def answered(messages: list[Dict[str, Any]]) -> bool:
    """Whether anything besides the disclaimer was said back."""
    return any(not str(m.get("text") or "").startswith(DISCLAIMER_START) for m in messages)


def _error(status: int, message: str) -> HTTPResponse:
    return response.json({"error": message}, status=status)


def parse_body(request: Request) -> tuple[Optional[Dict[str, Any]], Optional[HTTPResponse]]:
    """(body, None) for a usable request, else (None, a 4xx response saying what is wrong)."""
    try:
        body = request.json
    except (SanicException, ValueError, UnicodeDecodeError):
        return None, _error(400, "The request body must be JSON: {\"sender\": \"...\", \"message\": \"...\"}.")
    if not isinstance(body, dict):
        return None, _error(400, "The request body must be a JSON object with \"sender\" and \"message\".")
    sender, message = body.get("sender"), body.get("message")
    if not isinstance(sender, str) or not sender.strip():
        return None, _error(400, "\"sender\" must be a non-empty string identifying the conversation.")
    if len(sender) > MAX_SENDER_CHARS:
        return None, _error(400, f"\"sender\" must be at most {MAX_SENDER_CHARS} characters.")
    if OTHER_CHANNEL_ID.match(sender.strip()):
        return None, _error(403, "This \"sender\" has the form of another channel's conversations; "
                                 "REST senders may not start with a channel name or be a 32-digit hex id.")
    if message is not None and not isinstance(message, str):
        return None, _error(400, "\"message\" must be a string.")
    if message and len(message) > MAX_MESSAGE_CHARS:
        return None, _error(413, f"\"message\" must be at most {MAX_MESSAGE_CHARS} characters.")
    metadata = body.get("metadata")
    if metadata is not None and not isinstance(metadata, dict):
        return None, _error(400, "\"metadata\" must be a JSON object.")
    return body, None


class RestInput(InputChannel):
    """The ``rest`` channel with input checks and a reply guaranteed for every message."""

    @classmethod
    def name(cls) -> Text:
        return "rest"

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        webhook = Blueprint(f"custom_webhook_{type(self).__name__}", __name__)

        @webhook.route("/", methods=["GET"])
        async def health(request: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            secret = os.environ.get(SECRET_ENV)
            if secret and not hmac.compare_digest(request.headers.get(SECRET_HEADER, "").encode(), secret.encode()):
                return _error(401, f"This webhook needs the {SECRET_HEADER} header.")
            body, problem = parse_body(request)
            if problem is not None:
                return problem
            sender: str = body["sender"]
            text: str = body.get("message") or ""
            collector = CollectingOutputChannel()
            if not text.strip():
                await collector.send_text_message(sender, EMPTY_REPLY)
                return response.json(collector.messages)
            failed = False
            try:
                await on_new_message(UserMessage(text, collector, sender, input_channel=self.name(),
                                                 metadata=body.get("metadata")))
            except Exception:  # noqa: BLE001 - the user still gets an answer; no text in the log
                failed = True
                logger.exception("REST message from a sender could not be handled")
            if not answered(collector.messages) and not text.strip().startswith(SILENT_COMMANDS):
                await collector.send_text_message(sender, NO_REPLY)
            elif failed:  # answered, but the turn may not have been stored (e.g. tracker store down)
                await collector.send_text_message(sender, NOT_SAVED)
            return response.json(collector.messages)

        return webhook
