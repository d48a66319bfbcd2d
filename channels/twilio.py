"""Rasa's Twilio channel (SMS and WhatsApp) made to read well on a phone.

Same channel name and webhook as Rasa's ``twilio`` (``/webhooks/twilio/webhook``). Changes:

- Buttons become numbered options inside the text ("Reply with a number:\\n1. Lower back
  ..."), titles only; a reply that is a bare number (or a button's exact title) is turned
  into that button's payload (``TrackerChoices``: read from the conversation's tracker).
- The messages of one turn are sent together, as few texts as fit in Twilio's 1600
  characters, cut at paragraph/line boundaries only when needed (Rasa sends one SMS per
  paragraph, which carriers may deliver out of order). ``**bold**`` is shown as plain text
  on SMS and as WhatsApp's ``*bold*`` on WhatsApp.
- Replies go out from the number the person wrote to (the webhook's ``To``), so one
  webhook can serve an SMS number and a WhatsApp sender; ``twilio_number`` is used for
  messages Backstop starts itself (check-ins).
- Requests must carry a valid ``X-Twilio-Signature`` (Rasa checks none, so anyone could make
  the clinic's number text any phone number). The signed URL is the one Twilio called; behind
  a proxy that rewrites the path, set ``webhook_url`` (``TWILIO_WEBHOOK_URL``) to it.
- Messages are sent from a worker thread: Twilio's client is blocking.
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections import defaultdict
from typing import Any, Awaitable, Callable, Dict, List, Optional, Text, Tuple
from urllib.parse import parse_qs

from rasa.core.channels.channel import UserMessage
from rasa.core.channels.twilio import TwilioInput as RasaTwilioInput
from rasa.core.channels.twilio import TwilioOutput as RasaTwilioOutput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from twilio.base.exceptions import TwilioRestException
from twilio.request_validator import RequestValidator

from channels.messaging import (
    PlatformIds,
    TrackerChoices,
    choices,
    conversation_id,
    numbered,
    pack,
    plain,
    refuse_unreadable,
    safe_turns,
    whatsapp,
)

logger = logging.getLogger(__name__)

SMS_LIMIT = 1600  # Twilio's limit for one message body, SMS and WhatsApp alike


TRUST_FORWARDED_ENV = "TWILIO_TRUST_FORWARDED"


class _Params(dict):
    """Form parameters as lists of values, in the shape twilio's RequestValidator reads."""

    def getall(self, name: Text) -> List[Text]:
        return self[name]


class TwilioOutput(PlatformIds, RasaTwilioOutput):
    """Rasa's Twilio output with numbered options, sensible splitting and one send per turn."""

    channel = "twilio"

    def __init__(
        self,
        account_sid: Optional[Text],
        auth_token: Optional[Text],
        twilio_number: Optional[Text],
    ) -> None:
        super().__init__(account_sid, auth_token, twilio_number)
        self._held: Optional[List[Tuple[Text, Text]]] = None

    def hold(self) -> None:
        """Collect messages until ``release`` (used while a webhook request is handled)."""
        self._held = []

    async def release(self) -> None:
        """Send what was collected since ``hold``; later messages are sent at once."""
        held, self._held = self._held or [], None
        by_recipient: Dict[Text, List[Text]] = defaultdict(list)
        for recipient, text in held:
            by_recipient[recipient].append(text)
        for recipient, texts in by_recipient.items():
            await self._send_texts(recipient, texts)

    async def _queue(self, recipient_id: Text, text: Text) -> None:
        if self._held is not None:
            self._held.append((recipient_id, text))
        else:
            await self._send_texts(recipient_id, [text])

    async def _send_texts(self, recipient_id: Text, texts: List[Text]) -> None:
        style = whatsapp if str(recipient_id).startswith("whatsapp:") else plain
        for body in pack((style(t) for t in texts), SMS_LIMIT):
            await self._send_message({"to": recipient_id, "from_": self.twilio_number, "body": body})

    async def _send_message(self, message_data: Dict[Text, Any]) -> Any:
        try:
            return await asyncio.to_thread(self.messages.create, **message_data)
        except TwilioRestException as e:
            logger.error("Twilio did not accept a message (error %s)", e.code)  # e.msg may name the number
            return None
        except Exception as e:  # noqa: BLE001 - Twilio unreachable: never a 5xx that makes it redeliver
            logger.error("could not reach Twilio to send a message (%s)", type(e).__name__)
            return None

    async def send_text_message(self, recipient_id: Text, text: Text, **kwargs: Any) -> None:
        await self._queue(recipient_id, text)

    async def send_text_with_buttons(
        self, recipient_id: Text, text: Text, buttons: List[Dict[Text, Any]], **kwargs: Any
    ) -> None:
        options = choices(buttons)
        await self._queue(recipient_id, numbered(text, options))

    async def send_quick_replies(
        self, recipient_id: Text, text: Text, quick_replies: List[Dict[Text, Any]], **kwargs: Any
    ) -> None:
        await self.send_text_with_buttons(recipient_id, text, quick_replies, **kwargs)


class TwilioInput(RasaTwilioInput):
    """Rasa's ``twilio`` channel with signature checks, numbered replies and one send per turn."""

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> TwilioInput:
        if not credentials:
            cls.raise_missing_credentials_exception()
        return cls(
            credentials.get("account_sid"),
            credentials.get("auth_token"),
            credentials.get("twilio_number"),
            webhook_url=credentials.get("webhook_url"),
        )

    def __init__(
        self,
        account_sid: Optional[Text],
        auth_token: Optional[Text],
        twilio_number: Optional[Text],
        debug_mode: bool = True,
        webhook_url: Optional[Text] = None,
    ) -> None:
        super().__init__(account_sid, auth_token, twilio_number, debug_mode)
        self.webhook_url = webhook_url or None
        self._validator = RequestValidator(auth_token or "")

    def get_output_channel(self, reply_from: Optional[Text] = None) -> TwilioOutput:
        return TwilioOutput(self.account_sid, self.auth_token, reply_from or self.twilio_number)

    def _signed_urls(self, request: Request) -> List[Text]:
        """The URLs Twilio may have signed: the configured one, or this request's own.

        ``X-Forwarded-Host``/``-Proto`` are set by whoever sends the request, so they are used
        only when ``TWILIO_TRUST_FORWARDED=1`` says a proxy of ours sets them; the README's
        proxy recipes pass the Host header on instead."""
        if self.webhook_url:
            return [self.webhook_url]
        path = request.path + (f"?{request.query_string}" if request.query_string else "")
        trusted = os.environ.get(TRUST_FORWARDED_ENV) == "1"
        forwarded_host = request.headers.get("x-forwarded-host", "").split(",")[0].strip() if trusted else ""
        forwarded_proto = request.headers.get("x-forwarded-proto", "").split(",")[0].strip() if trusted else ""
        hosts = [forwarded_host, request.host]
        schemes = [forwarded_proto, "https", request.scheme]
        urls: List[Text] = []
        for scheme in filter(None, schemes):
            for host in filter(None, hosts):
                url = f"{scheme}://{host}{path}"
                if url not in urls:
                    urls.append(url)
        return urls

    def is_from_twilio(self, request: Request) -> bool:
        signature = request.headers.get("X-Twilio-Signature", "")
        if not signature or not self.auth_token:
            return False
        # Twilio signs every parameter it sent, blank ones included ("ToCity=" ...); Sanic's
        # request.form drops blank values, so the body is parsed again here.
        params = _Params(parse_qs(request.body.decode("utf-8", "replace"), keep_blank_values=True))
        return any(self._validator.validate(url, params, signature) for url in self._signed_urls(request))

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        twilio_webhook = Blueprint("twilio_webhook", __name__)
        on_new_message = safe_turns(self.name(), on_new_message)
        # the Twilio client logs every API request at INFO: noise, and a place for data to leak
        logging.getLogger("twilio.http_client").setLevel(logging.WARNING)

        @twilio_webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @twilio_webhook.route("/webhook", methods=["POST"])
        async def message(request: Request) -> HTTPResponse:
            if not self.is_from_twilio(request):
                logger.warning(
                    "Twilio webhook: missing or wrong X-Twilio-Signature (tried %s). If Twilio calls a "
                    "different URL than Rasa sees, set TWILIO_WEBHOOK_URL to it.",
                    ", ".join(self._signed_urls(request)),
                )
                return response.text("invalid signature", status=403)

            sender = request.form.get("From")
            text = request.form.get("Body")
            if self._is_location_message(request):
                text = "/locationData{{'Latitude': {lat},'Longitude': {long}}}".format(
                    lat=request.form.get("Latitude"), long=request.form.get("Longitude")
                )
            if not sender or text is None:
                logger.debug("Twilio webhook without sender or text")
                return response.text("", status=204)

            text = text.replace("¡", "@")  # @ signs get corrupted in SMSes by some carriers
            text = await TrackerChoices.of(request).resolve(conversation_id(self.name(), sender), text) or text
            out_channel = self.get_output_channel(reply_from=request.form.get("To"))
            out_channel.hold()
            try:  # safe_turns: never raises, answers a failed turn honestly
                await on_new_message(
                    UserMessage(text, out_channel, sender, input_channel=self.name(),
                                metadata=self.get_metadata(request))
                )
            finally:
                await out_channel.release()
            return response.text("", status=204)

        return refuse_unreadable(twilio_webhook, self.name())
