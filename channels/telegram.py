"""Rasa's Telegram channel with what breaks fixed.

Same channel name and webhook as Rasa's ``telegram`` (``/webhooks/telegram/webhook``). Changes:

- Buttons: Rasa's default inline keyboard puts each payload in ``callback_data``, which
  Telegram limits to 64 bytes; Backstop's payloads (``/report_red_flag{"red_flag": ...}``) are
  longer, so Telegram refuses the whole message. Buttons are sent as a one-time reply
  keyboard instead (one button per row, titles only); a tapped title, a typed title or a
  typed number is turned back into the payload (``TrackerChoices``, read from the
  conversation's tracker). The keyboard is removed when the next message has no buttons.
- Rasa registers the webhook with ``asyncio.run`` inside ``get_output_channel``. At start-up
  this creates the bot's aiohttp session on a loop that is closed right after, so every later
  Telegram call (``getMe``, ``sendMessage``) fails with "Event loop is closed" (aiogram 2.15,
  aiohttp 3.9): the bot never answers. And a check-in pushed through the HTTP API
  (``trigger_intent?output_channel=telegram``) fails with "asyncio.run() cannot be called from
  a running event loop". Here the webhook is registered once, on the server's loop, after
  start-up; a failure is logged and does not stop Rasa.
- The webhook is registered with a ``secret_token`` derived from the bot token, and updates
  without the matching ``X-Telegram-Bot-Api-Secret-Token`` header are refused.
- ``getMe`` (the ``verify`` check that the token belongs to the bot named in ``verify``) is
  called once, not on every message.
- Replies use Telegram's HTML mode (``**bold**`` shows bold) and are cut below Telegram's 4096
  characters at paragraph/line boundaries (Rasa sends every paragraph as its own message).
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
from typing import Any, Awaitable, Callable, Dict, List, Optional, Set, Text

from aiogram.types import KeyboardButton, ReplyKeyboardMarkup, ReplyKeyboardRemove, Update
from rasa.core.channels.channel import UserMessage
from rasa.core.channels.telegram import TelegramInput as RasaTelegramInput
from rasa.core.channels.telegram import TelegramOutput as RasaTelegramOutput
from rasa.shared.constants import INTENT_MESSAGE_PREFIX
from rasa.shared.core.constants import USER_INTENT_RESTART
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from channels.messaging import (
    PlatformIds,
    TrackerChoices,
    choices,
    conversation_id,
    refuse_unreadable,
    safe_turns,
    split_text,
    telegram_html,
)

logger = logging.getLogger(__name__)

TEXT_LIMIT = 3900  # Telegram: 4096 characters per message; room for the HTML tags
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


def webhook_secret(access_token: Text) -> Text:
    """The ``secret_token`` Backstop registers with Telegram (1-256 chars of [A-Za-z0-9_-])."""
    return hmac.new(access_token.encode(), b"backstop telegram webhook", hashlib.sha256).hexdigest()


class TelegramOutput(PlatformIds, RasaTelegramOutput):
    """Rasa's Telegram output with a reply keyboard for buttons, HTML formatting and splitting."""

    channel = "telegram"

    def __init__(self, access_token: Optional[Text]) -> None:
        super().__init__(access_token)

    async def _send_parts(self, recipient_id: Text, text: Text, last_markup: Any = None,
                          first_markup: Any = None) -> None:
        parts = split_text(text, TEXT_LIMIT)
        if not parts:
            if last_markup is None:
                return
            parts = ["Please choose:"]
        for i, part in enumerate(parts):
            markup = last_markup if i == len(parts) - 1 else None
            if i == 0 and first_markup is not None and markup is None:
                markup = first_markup
            await self.send_message(recipient_id, telegram_html(part), parse_mode="HTML", reply_markup=markup)

    async def send_text_message(self, recipient_id: Text, text: Text, **kwargs: Any) -> None:
        # a keyboard offered earlier (on this or another instance) goes once the next text arrives
        await self._send_parts(recipient_id, text, first_markup=ReplyKeyboardRemove())

    async def send_text_with_buttons(
        self,
        recipient_id: Text,
        text: Text,
        buttons: List[Dict[Text, Any]],
        button_type: Optional[Text] = "reply",
        **kwargs: Any,
    ) -> None:
        options = choices(buttons)
        if not options:
            await self.send_text_message(recipient_id, text)
            return
        keyboard = ReplyKeyboardMarkup(resize_keyboard=True, one_time_keyboard=True)
        for button in options:
            keyboard.add(KeyboardButton(button["title"]))
        await self._send_parts(recipient_id, text, last_markup=keyboard)

    async def send_quick_replies(
        self, recipient_id: Text, text: Text, quick_replies: List[Dict[Text, Any]], **kwargs: Any
    ) -> None:
        await self.send_text_with_buttons(recipient_id, text, quick_replies)


class TelegramInput(RasaTelegramInput):
    """Rasa's ``telegram`` channel (same credentials: access_token, verify, webhook_url)."""

    def __init__(
        self,
        access_token: Optional[Text],
        verify: Optional[Text],
        webhook_url: Optional[Text],
        debug_mode: bool = True,
    ) -> None:
        super().__init__(access_token, verify, webhook_url, debug_mode)
        self.secret_token = webhook_secret(access_token or "")
        self._output: Optional[TelegramOutput] = None
        self._verified = False
        self._tasks: Set[asyncio.Task] = set()

    def get_output_channel(self) -> TelegramOutput:
        """One output (one HTTP session) for the webhook and for pushed messages; no network call."""
        if self._output is None:
            self._output = TelegramOutput(self.access_token)
        return self._output

    async def register_webhook(self) -> bool:
        out = self.get_output_channel()
        try:
            await out.request("setWebhook", {"url": self.webhook_url, "secret_token": self.secret_token})
        except Exception as e:  # noqa: BLE001 - Telegram being unreachable must not stop Rasa
            logger.error("Telegram: could not register the webhook %s: %s", self.webhook_url, e)
            return False
        logger.info("Telegram: webhook registered: %s", self.webhook_url)
        return True

    async def _is_our_bot(self) -> bool:
        if not self._verified:
            me = await self.get_output_channel().get_me()
            self._verified = me.username == self.verify
            if not self._verified:
                logger.error("Telegram: the token belongs to @%s, not to TELEGRAM_VERIFY=%s", me.username, self.verify)
        return self._verified

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        telegram_webhook = Blueprint("telegram_webhook", __name__)
        out_channel = self.get_output_channel()
        on_new_message = safe_turns(self.name(), on_new_message)

        @telegram_webhook.listener("after_server_start")
        async def set_webhook_on_start(_app: Any, _loop: Any) -> None:
            task = asyncio.get_running_loop().create_task(self.register_webhook())
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

        @telegram_webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @telegram_webhook.route("/set_webhook", methods=["GET", "POST"])
        async def set_webhook(_: Request) -> HTTPResponse:
            if await self.register_webhook():
                return response.text("Webhook setup successful")
            return response.text("Invalid webhook")

        @telegram_webhook.route("/webhook", methods=["GET", "POST"])
        async def message(request: Request) -> HTTPResponse:
            if request.method != "POST":
                return response.json({"status": "ok"})
            if not hmac.compare_digest(request.headers.get(SECRET_HEADER, ""), self.secret_token):
                logger.warning("Telegram webhook: missing or wrong %s header", SECRET_HEADER)
                return response.text("forbidden", status=403)

            request_dict = request.json
            if isinstance(request_dict, str):
                request_dict = json.loads(request_dict)
            update = Update(**request_dict)
            if not await self._is_our_bot():
                return response.text("failed")

            if self._is_button(update):
                msg = update.callback_query.message
                text = update.callback_query.data
            elif self._is_edited_message(update):
                msg = update.edited_message
                text = update.edited_message.text
            else:
                msg = update.message
                if msg is None:
                    return response.text("success")
                if self._is_user_message(msg):
                    text = msg.text.replace("/bot", "")
                elif self._is_location(msg):
                    text = f'{{"lng":{msg.location.longitude}, "lat":{msg.location.latitude}}}'
                else:
                    return response.text("success")
            if msg is None or text is None:
                return response.text("success")

            sender_id = str(msg.chat.id)
            text = await TrackerChoices.of(request).resolve(conversation_id(self.name(), sender_id), text) or text
            metadata = self.get_metadata(request)
            texts = [text, "/start"] if text == INTENT_MESSAGE_PREFIX + USER_INTENT_RESTART else [text]
            for t in texts:  # safe_turns: never raises, answers a failed turn honestly
                await on_new_message(
                    UserMessage(t, out_channel, sender_id, input_channel=self.name(), metadata=metadata)
                )
            return response.text("success")

        return refuse_unreadable(telegram_webhook, self.name())
