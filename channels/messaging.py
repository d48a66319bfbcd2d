"""What the messaging-platform channels (Telegram, Slack, Messenger, Twilio) share.

- ``split_text`` / ``pack``: cut long replies below a platform's limit at paragraph, then
  line, then sentence, then word boundaries; ``pack`` also joins the short messages of one
  turn into as few platform messages as fit.
- ``plain`` / ``whatsapp`` / ``slack_mrkdwn`` / ``telegram_html``: Backstop's replies use a
  little markdown (``**bold**``, ``- `` bullets, rarely ``[text](url)``); each platform gets
  what it can show.
- ``numbered``: buttons written into the text as "Reply with a number:" options.
- ``TrackerChoices``: the buttons last sent in a conversation, read from the tracker store, so
  that a typed "2" (or a button's title) becomes that button's payload on any instance.
- ``safe_turns`` / ``PlatformIds``: conversation ids namespaced by channel (``telegram:<chat id>``,
  ``twilio:<phone>``...), so the same raw id on two channels is two conversations and no other
  channel can name them; and a failed turn answered like REST answers it (the honest reply with
  the safety advice, a 2xx to the platform so it does not redeliver, no text or ids in the log).
"""

from __future__ import annotations

import html
import logging
import re
from typing import Any, Awaitable, Callable, Dict, Iterable, List, Optional, Text, Tuple

from rasa.core.channels.channel import UserMessage
from rasa.shared.core.events import BotUttered, UserUttered
from sanic import Blueprint, response
from sanic.exceptions import SanicException
from sanic.request import Request
from sanic.response import HTTPResponse

from channels.rest import DISCLAIMER_START, NO_REPLY, NOT_SAVED, SILENT_COMMANDS

logger = logging.getLogger(__name__)

_BOLD = re.compile(r"\*\*(.+?)\*\*", re.S)
_LINK = re.compile(r"\[([^\]\n]+)\]\((https?://[^)\s]+)\)")

# Coarsest boundary first; the joiner puts pieces cut at that level back together.
_LEVELS: Tuple[Tuple[re.Pattern, Text], ...] = (
    (re.compile(r"\n[ \t]*\n\s*"), "\n\n"),  # paragraphs
    (re.compile(r"\n"), "\n"),  # lines
    (re.compile(r"(?<=[.!?:;])\s+"), " "),  # sentences
    (re.compile(r"\s+"), " "),  # words
)


def split_text(text: Text, limit: int, _level: int = 0) -> List[Text]:
    """``text`` in pieces of at most ``limit`` characters, cut at the coarsest boundary possible.

    Pieces are as long as the limit allows: short paragraphs stay together in one piece.
    """
    text = text.strip()
    if not text:
        return []
    if len(text) <= limit:
        return [text]
    if _level == len(_LEVELS):  # one "word" longer than the limit (e.g. a URL): hard cut
        return [text[i : i + limit] for i in range(0, len(text), limit)]
    pattern, joiner = _LEVELS[_level]
    chunks: List[Text] = []
    current = ""
    for part in pattern.split(text):
        part = part.strip()
        if not part:
            continue
        if len(part) > limit:
            pieces = split_text(part, limit, _level + 1)
            if current:
                chunks.append(current)
            chunks.extend(pieces[:-1])
            current = pieces[-1]
        elif current and len(current) + len(joiner) + len(part) <= limit:
            current += joiner + part
        else:
            if current:
                chunks.append(current)
            current = part
    if current:
        chunks.append(current)
    return chunks


def pack(messages: Iterable[Text], limit: int) -> List[Text]:
    """The messages of one turn as few pieces of at most ``limit`` characters as possible.

    A message is only cut if it is longer than the limit on its own; otherwise messages are
    kept whole and joined with a blank line.
    """
    chunks: List[Text] = []
    current = ""
    for message in messages:
        for piece in split_text(message, limit):
            if current and len(current) + 2 + len(piece) <= limit:
                current += "\n\n" + piece
            else:
                if current:
                    chunks.append(current)
                current = piece
    if current:
        chunks.append(current)
    return chunks


def plain(text: Text) -> Text:
    """Markdown for platforms that show text as typed (SMS, Messenger)."""
    return _LINK.sub(r"\1 (\2)", _BOLD.sub(r"\1", text))


def whatsapp(text: Text) -> Text:
    """WhatsApp bolds ``*text*``."""
    return _LINK.sub(r"\1 (\2)", _BOLD.sub(r"*\1*", text))


def slack_mrkdwn(text: Text) -> Text:
    """Slack's mrkdwn: ``*bold*``, ``<url|text>``; ``&``, ``<``, ``>`` escaped."""
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _LINK.sub(r"<\2|\1>", _BOLD.sub(r"*\1*", text))


def telegram_html(text: Text) -> Text:
    """Telegram's HTML parse mode: ``<b>``, ``<a href>``, everything else escaped."""
    text = html.escape(text, quote=False)
    return _LINK.sub(lambda m: f'<a href="{html.escape(m[2])}">{m[1]}</a>', _BOLD.sub(r"<b>\1</b>", text))


def choices(buttons: Iterable[Dict[Text, Any]]) -> List[Dict[Text, Any]]:
    """The buttons that send a payload (link buttons and malformed entries left out)."""
    return [b for b in buttons if isinstance(b, dict) and b.get("title") and b.get("payload")]


def numbered(text: Text, buttons: List[Dict[Text, Any]]) -> Text:
    """The question followed by its buttons' titles as numbered options (never the payloads)."""
    options = "\n".join(f"{i}. {b['title']}" for i, b in enumerate(buttons, 1))
    return f"{text}\n\nReply with a number:\n{options}" if options else text


_NUMBER = re.compile(r"\s*#?(\d{1,2})\s*[.)]?\s*")
_NOT_WORD = re.compile(r"[\W_]+")


def _norm(text: Text) -> Text:
    return _NOT_WORD.sub(" ", text.casefold()).strip()


MAX_CHOICE_CHARS = 60  # longer replies are free text, never a button's title or number


def last_choices(events: Iterable[Any]) -> List[Tuple[Text, Text]]:
    """(title, payload) of the buttons of the conversation's latest bot message, if the person has
    not written since; none if that message had no buttons (so a "2" answering "how bad, 0 to
    10?" is passed on as typed)."""
    for event in reversed(list(events)):
        if isinstance(event, UserUttered):
            return []
        if isinstance(event, BotUttered):
            return [(str(b["title"]), str(b["payload"])) for b in choices((event.data or {}).get("buttons") or [])]
    return []


def pick(options: List[Tuple[Text, Text]], text: Optional[Text]) -> Optional[Text]:
    """The payload a reply that is a bare number ("2", " 2.") or exactly a button's title picks."""
    if not options or not text:
        return None
    number = _NUMBER.fullmatch(text)
    if number:
        index = int(number[1])
        return options[index - 1][1] if 1 <= index <= len(options) else None
    wanted = _norm(text)
    for title, payload in options:
        if wanted and _norm(title) == wanted:
            return payload
    return None


class TrackerChoices:
    """The choices last offered to a person, read from their conversation in the tracker store.

    Kept with the conversation, not in one process: a typed "2" means the same choice after a
    restart and on every instance of the scale-out profile (which share PostgreSQL).
    """

    def __init__(self, retrieve: Optional[Callable[[Text], Awaitable[Any]]]) -> None:
        self._retrieve = retrieve

    @classmethod
    def of(cls, request: Request) -> TrackerChoices:
        """The tracker store of the Rasa server this request came to."""
        store = getattr(getattr(request.app.ctx, "agent", None), "tracker_store", None)
        return cls(store.retrieve if store is not None else None)

    async def resolve(self, conversation: Text, text: Optional[Text]) -> Optional[Text]:
        """The payload ``text`` picks from the buttons last sent in ``conversation``, or None."""
        if self._retrieve is None or not text or len(text) > MAX_CHOICE_CHARS:
            return None
        try:
            tracker = await self._retrieve(conversation)
        except Exception as exc:  # noqa: BLE001 - the text is passed on as typed
            logger.warning("could not read the choices offered (%s)", type(exc).__name__)
            return None
        return pick(last_choices(tracker.events), text) if tracker is not None else None


def conversation_id(channel: Text, platform_id: Any) -> Text:
    """The conversation id of a platform's user or chat id: ``<channel>:<id>``."""
    return f"{channel}:{platform_id}"


def platform_id(channel: Text, conversation: Any) -> Text:
    """The platform's own id for a conversation id (ids stored before namespacing pass unchanged)."""
    value, prefix = str(conversation), f"{channel}:"
    return value[len(prefix):] if value.startswith(prefix) else value


class PlatformIds:
    """Output-channel mixin: Rasa addresses the conversation (``telegram:123``), the platform wants
    its own id (``123``). Every reply, check-ins included, goes through ``send_response``."""

    channel: Text = ""

    async def send_response(self, recipient_id: Text, message: Dict[Text, Any]) -> None:
        await super().send_response(platform_id(self.channel, recipient_id), message)  # type: ignore[misc]


class _Listening:
    """One turn's view of an output channel: everything is the channel's own, and the texts sent
    are noted (was the person answered?)."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.said: List[Text] = []

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    async def send_response(self, recipient_id: Text, message: Dict[Text, Any]) -> None:
        self.said.append(str(message.get("text") or ""))
        await self.inner.send_response(recipient_id, message)


def safe_turns(channel: Text, on_new_message: Callable[[UserMessage], Awaitable[Any]]
               ) -> Callable[[UserMessage], Awaitable[None]]:
    """``on_new_message`` for a platform: namespaces the sender and never raises.

    When the turn fails (action server or tracker store down...), the person gets the honest
    "can't look that up" reply with the safety advice, or "not saved" if they were answered;
    only the exception's type is logged.
    """

    async def handle(message: UserMessage) -> None:
        message.sender_id = conversation_id(channel, message.sender_id)
        out = _Listening(message.output_channel)  # the platform's channel may be shared by all turns
        message.output_channel = out  # type: ignore[assignment]
        failed = False
        try:
            await on_new_message(message)
        except Exception as exc:  # noqa: BLE001 - the person still gets an answer
            failed = True
            logger.error("%s: a turn failed (%s)", channel, type(exc).__name__)
        answered = any(not t.startswith(DISCLAIMER_START) for t in out.said)
        silent = str(message.text or "").strip().startswith(SILENT_COMMANDS)
        if not failed and (answered or silent):
            return
        try:
            await out.send_response(message.sender_id, {"text": NOT_SAVED if answered else NO_REPLY})
        except Exception as exc:  # noqa: BLE001 - the platform itself is unreachable
            logger.error("%s: could not send the failure reply (%s)", channel, type(exc).__name__)

    return handle


def refuse_unreadable(bp: Blueprint, channel: Text) -> Blueprint:
    """A webhook body that passed the platform's signature check but cannot be read (``null``,
    a list, fields of the wrong type) gets a 400 instead of a 500 and a traceback in the log.
    Turns themselves never raise (``safe_turns``), so what reaches here is unreadable input."""

    @bp.exception(Exception)
    async def unreadable(request: Request, exc: Exception) -> HTTPResponse:
        if isinstance(exc, SanicException):
            return response.json({"error": str(exc)}, status=exc.status_code)
        logger.warning("%s webhook: an update that could not be read was refused (%s)", channel, type(exc).__name__)
        return response.json({"error": "This update could not be read."}, status=400)

    return bp
