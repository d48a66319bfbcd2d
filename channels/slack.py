"""Rasa's Slack channel with what breaks fixed.

Same channel name and webhook as Rasa's ``slack`` (``/webhooks/slack/webhook``; use it both as
the Events API request URL and as the Interactivity request URL, for button clicks). Changes:

- ``as_user=True`` is no longer sent with ``chat.postMessage``: it is a legacy argument that
  Slack apps created today may not use (Slack answers ``invalid_arguments`` /
  ``deprecated_argument: as_user``, e.g. in direct messages), so no reply arrived.
- Buttons: the question is a ``mrkdwn`` section (Rasa's is ``plain_text``, showing ``**``),
  followed by the buttons (up to 25, Slack's limit for an actions block; Rasa drops all buttons
  above 5).
- ``**bold**`` becomes Slack's ``*bold*``; texts are cut below 3000 characters (the limit of a
  section block) at paragraph/line boundaries instead of one message per paragraph.
"""

from __future__ import annotations

from typing import Any, Awaitable, Callable, Dict, List, Optional, Text

from rasa.core.channels.channel import OutputChannel, UserMessage
from rasa.core.channels.slack import SlackBot as RasaSlackBot
from rasa.core.channels.slack import SlackInput as RasaSlackInput
from sanic import Blueprint

from channels.messaging import PlatformIds, choices, numbered, refuse_unreadable, safe_turns, slack_mrkdwn, split_text

TEXT_LIMIT = 3000
MAX_BUTTONS = 25
BUTTON_TITLE_LIMIT = 75


class SlackBot(PlatformIds, RasaSlackBot):
    """Rasa's Slack output without ``as_user``, with mrkdwn text and sensible splitting."""

    channel = "slack"

    async def _post_message(self, channel: Text, **kwargs: Any) -> None:
        kwargs.pop("as_user", None)
        kwargs.pop("type", None)  # not a chat.postMessage argument
        if self.thread_id:
            kwargs["thread_ts"] = self.thread_id
        await self.client.chat_postMessage(channel=channel, **kwargs)

    async def send_text_message(self, recipient_id: Text, text: Text, **kwargs: Any) -> None:
        recipient = self.slack_channel or recipient_id
        for part in split_text(text, TEXT_LIMIT):
            await self._post_message(channel=recipient, text=slack_mrkdwn(part))

    async def send_text_with_buttons(
        self, recipient_id: Text, text: Text, buttons: List[Dict[Text, Any]], **kwargs: Any
    ) -> None:
        recipient = self.slack_channel or recipient_id
        options = choices(buttons)
        if len(options) > MAX_BUTTONS:
            await self.send_text_message(recipient_id, numbered(text, options))
            return
        parts = split_text(text, TEXT_LIMIT) or ["Please choose:"]
        for part in parts[:-1]:
            await self._post_message(channel=recipient, text=slack_mrkdwn(part))
        last = slack_mrkdwn(parts[-1])
        blocks: List[Dict[Text, Any]] = [{"type": "section", "text": {"type": "mrkdwn", "text": last}}]
        if options:
            blocks.append(
                {
                    "type": "actions",
                    "elements": [
                        {
                            "type": "button",
                            "text": {"type": "plain_text", "text": str(b["title"])[:BUTTON_TITLE_LIMIT]},
                            "value": str(b["payload"]),
                        }
                        for b in options
                    ],
                }
            )
        await self._post_message(channel=recipient, text=last, blocks=blocks)

    async def send_quick_replies(
        self, recipient_id: Text, text: Text, quick_replies: List[Dict[Text, Any]], **kwargs: Any
    ) -> None:
        await self.send_text_with_buttons(recipient_id, text, quick_replies)


class SlackInput(RasaSlackInput):
    """Rasa's ``slack`` channel (same credentials) answering through ``SlackBot`` above."""

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        return refuse_unreadable(super().blueprint(safe_turns(self.name(), on_new_message)), self.name())

    def get_output_channel(self, channel: Optional[Text] = None, thread_id: Optional[Text] = None) -> OutputChannel:
        channel = channel or self.slack_channel
        return SlackBot(self.slack_token, channel, thread_id, self.proxy)
