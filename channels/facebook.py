"""Rasa's Facebook Messenger channel with what breaks fixed.

Same channel name and webhook as Rasa's ``facebook`` (``/webhooks/facebook/webhook``). Changes:

- Buttons: Rasa uses a button template, which holds at most 3 buttons, and sends *no*
  buttons at all when there are more (most of Backstop's questions have 4). Buttons are sent
  as quick replies instead (up to 13; they disappear once one is tapped). A quick reply's
  title shows at most 20 characters, so when a title is longer the options are written into
  the text as a numbered list and the quick replies are the numbers. A typed number or title
  is turned back into the payload (``TrackerChoices``, read from the conversation's tracker).
- Signatures: Meta signs webhooks with ``X-Hub-Signature-256`` (sha256); Rasa only reads the
  older ``X-Hub-Signature`` (sha1). Either is accepted; the comparison is constant-time.
- All events of a batched webhook are handled (Rasa handles the first and drops the rest).
- ``**bold**`` is shown as plain text (Messenger has no formatting); texts are cut below
  Messenger's 2000 characters at paragraph/line boundaries.
- The Send API client is blocking (``requests``): calls run in a worker thread with a timeout,
  so a slow Graph API does not stall every other conversation.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
from typing import Any, Awaitable, Callable, Dict, List, Optional, Text

from fbmessenger import MessengerClient
from rasa.core.channels.channel import OutputChannel, UserMessage
from rasa.core.channels.facebook import FacebookInput as RasaFacebookInput
from rasa.core.channels.facebook import Messenger as RasaMessenger
from rasa.core.channels.facebook import MessengerBot as RasaMessengerBot
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from channels.messaging import (
    PlatformIds,
    TrackerChoices,
    choices,
    conversation_id,
    numbered,
    plain,
    refuse_unreadable,
    safe_turns,
    split_text,
)

logger = logging.getLogger(__name__)

TEXT_LIMIT = 2000
QUICK_REPLY_TITLE_LIMIT = 20
MAX_QUICK_REPLIES = 13
SEND_TIMEOUT = 10  # seconds


class MessengerBot(PlatformIds, RasaMessengerBot):
    """Rasa's Messenger output with quick replies for buttons and non-blocking sends."""

    channel = "facebook"

    def __init__(self, messenger_client: MessengerClient) -> None:
        super().__init__(messenger_client)

    async def _post(self, recipient_id: Text, message: Dict[Text, Any]) -> None:
        result = await asyncio.to_thread(
            self.messenger_client.send, message, recipient_id, "RESPONSE", timeout=SEND_TIMEOUT
        )
        if isinstance(result, dict) and result.get("error"):
            error = result["error"] if isinstance(result["error"], dict) else {}
            logger.error("Messenger did not accept a message (error %s)", error.get("code"))

    async def send_action(self, recipient_id: Text, sender_action: Text) -> None:
        await asyncio.to_thread(
            self.messenger_client.send_action, sender_action, recipient_id, timeout=SEND_TIMEOUT
        )

    async def send_text_message(self, recipient_id: Text, text: Text, **kwargs: Any) -> None:
        for part in split_text(plain(text), TEXT_LIMIT):
            await self._post(recipient_id, {"text": part})

    async def send_text_with_buttons(
        self, recipient_id: Text, text: Text, buttons: List[Dict[Text, Any]], **kwargs: Any
    ) -> None:
        options = choices(buttons)
        if not options:
            await self.send_text_message(recipient_id, text)
            return
        titles_fit = all(len(str(b["title"])) <= QUICK_REPLY_TITLE_LIMIT for b in options)
        if titles_fit and len(options) <= MAX_QUICK_REPLIES:
            body = plain(text)
            labels = [str(b["title"]) for b in options]
        else:
            body = numbered(plain(text), options)
            labels = [str(i) for i in range(1, len(options) + 1)]
        quick_replies = [
            {"content_type": "text", "title": label, "payload": str(b["payload"])}
            for label, b in zip(labels, options)
        ][:MAX_QUICK_REPLIES]
        parts = split_text(body, TEXT_LIMIT)
        for part in parts[:-1]:
            await self._post(recipient_id, {"text": part})
        await self._post(recipient_id, {"text": parts[-1], "quick_replies": quick_replies})

    async def send_quick_replies(
        self, recipient_id: Text, text: Text, quick_replies: List[Dict[Text, Any]], **kwargs: Any
    ) -> None:
        await self.send_text_with_buttons(recipient_id, text, quick_replies)


class Messenger(RasaMessenger):
    """Handles every event of a webhook call; answers through ``MessengerBot`` above."""

    def __init__(
        self,
        page_access_token: Text,
        on_new_message: Callable[[UserMessage], Awaitable[Any]],
        offered: TrackerChoices,
    ) -> None:
        super().__init__(page_access_token, on_new_message)
        self.offered = offered

    async def handle(self, payload: Dict, metadata: Optional[Dict[Text, Any]]) -> None:
        for entry in payload.get("entry") or []:
            for message in entry.get("messaging") or []:
                self.last_message = message
                if message.get("message"):
                    await self.message(message, metadata)
                elif message.get("postback"):
                    await self.postback(message, metadata)

    async def _handle_user_message(self, text: Text, sender_id: Text, metadata: Optional[Dict[Text, Any]]) -> None:
        text = await self.offered.resolve(conversation_id("facebook", sender_id), text) or text
        out_channel = MessengerBot(self.client)
        await out_channel.send_action(sender_id, sender_action="mark_seen")
        await out_channel.send_action(sender_id, sender_action="typing_on")
        try:
            await self.on_new_message(
                UserMessage(text, out_channel, sender_id, input_channel=self.name(), metadata=metadata)
            )
        except Exception:
            logger.exception("Exception when trying to handle webhook for facebook message.")
        finally:
            await out_channel.send_action(sender_id, sender_action="typing_off")


class FacebookInput(RasaFacebookInput):
    """Rasa's ``facebook`` channel (same credentials: verify, secret, page-access-token)."""

    def __init__(self, fb_verify: Text, fb_secret: Text, fb_access_token: Text) -> None:
        super().__init__(fb_verify, fb_secret, fb_access_token)

    @staticmethod
    def validate_signature(app_secret: Text, body: bytes, headers: Any) -> bool:
        """True if ``X-Hub-Signature-256`` (or, failing that, ``X-Hub-Signature``) signs ``body``."""
        for header, algorithm in (("X-Hub-Signature-256", hashlib.sha256), ("X-Hub-Signature", hashlib.sha1)):
            value = headers.get(header)
            if value:
                prefix, _, signature = value.partition("=")
                expected = hmac.new((app_secret or "").encode(), body or b"", algorithm).hexdigest()
                return bool(app_secret) and prefix == algorithm().name and hmac.compare_digest(signature, expected)
        return False

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        fb_webhook = Blueprint("fb_webhook", __name__)
        on_new_message = safe_turns(self.name(), on_new_message)

        @fb_webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @fb_webhook.route("/webhook", methods=["GET"])
        async def token_verification(request: Request) -> HTTPResponse:
            if self.fb_verify and request.args.get("hub.verify_token") == self.fb_verify:
                return response.text(request.args.get("hub.challenge") or "")
            logger.warning("Messenger: wrong verify token; it must equal FACEBOOK_VERIFY")
            return response.text("failure, invalid token", status=403)

        @fb_webhook.route("/webhook", methods=["POST"])
        async def webhook(request: Request) -> HTTPResponse:
            if not self.validate_signature(self.fb_secret, request.body, request.headers):
                logger.warning("Messenger: wrong signature; FACEBOOK_SECRET must be the app secret")
                return response.text("not validated", status=403)
            messenger = Messenger(self.fb_access_token, on_new_message, TrackerChoices.of(request))
            await messenger.handle(request.json or {}, self.get_metadata(request))
            return response.text("success")

        return refuse_unreadable(fb_webhook, self.name())

    def get_output_channel(self) -> OutputChannel:
        return MessengerBot(MessengerClient(self.fb_access_token))
