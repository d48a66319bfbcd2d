"""`make shell` as people use it: choices as a short numbered list, picked by typing the number or
the words, and free text always welcome.

Rasa's shell shows buttons as an arrow-key menu with their raw payloads
(``1: One side (/inform{"pain_side":"one_side"})``) and ignores a typed digit: "3" + Enter
picked the highlighted first option. ``install()`` replaces its output and input functions.
"""

from __future__ import annotations

from typing import Any, Dict, Optional, Text

from channels.messaging import choices, pick


def _options(message: Dict[Text, Any]) -> list[Dict[Text, Any]]:
    return choices(message.get("buttons") or message.get("quick_replies") or [])


def print_bot_output(message: Dict[Text, Any], is_latest_message: bool = False, color: Text = "") -> None:
    """The message's text, then its choices as "1. Title" lines."""
    import rasa.shared.utils.cli
    from rasa.shared.utils.io import bcolors

    color = color or bcolors.OKBLUE
    if message.get("text"):
        rasa.shared.utils.cli.print_color(message["text"], color=color)
    options = _options(message)
    for i, button in enumerate(options, 1):
        rasa.shared.utils.cli.print_color(f"  {i}. {button['title']}", color=color)
    if options:
        rasa.shared.utils.cli.print_color("  (type a number, or answer in your own words)", color=color)
    return None


async def get_user_input(previous_response: Optional[Dict[str, Any]]) -> Optional[Text]:
    """Print the last reply, read a line; a number or a title of that reply's choices becomes that choice."""
    import questionary
    from prompt_toolkit.styles import Style

    if previous_response is not None:
        print_bot_output(previous_response, is_latest_message=True)
    question = questionary.text("", qmark="Your input ->", style=Style([("qmark", "#b373d6"), ("", "#b373d6")]))
    response = await question.ask_async()
    if response is None:
        return None
    response = response.strip()
    offered = [(str(b["title"]), str(b["payload"])) for b in _options(previous_response or {})]
    return pick(offered, response) or response


def install() -> None:
    """Use these in Rasa's shell (rasa.core.channels.console)."""
    from rasa.core.channels import console

    console._print_bot_output = print_bot_output  # type: ignore[assignment]
    console._get_user_input = get_user_input  # type: ignore[assignment]
