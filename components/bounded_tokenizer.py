"""A whitespace tokenizer that hands the intent classifier at most ``max_tokens`` tokens.

DIET's transformer costs grow with the square of a message's length: a 90 kB paste took 90 s to
classify (over the channels' time-outs) while a 20 kB one took 5 s. Intent is decided by how a
message opens and how it ends, so a long message keeps its first and last tokens. Nothing that
matters for safety is lost: the red-flag detector and the answer readers (``BackstopNLU``) read the
whole text, not the tokens.
"""

from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.tokenizers.tokenizer import Token
from rasa.nlu.tokenizers.whitespace_tokenizer import WhitespaceTokenizer
from rasa.shared.nlu.training_data.message import Message


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_TOKENIZER, is_trainable=False)
class BoundedWhitespaceTokenizer(WhitespaceTokenizer):
    """WhitespaceTokenizer keeping the first and last ``max_tokens / 2`` tokens of a long message."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        """WhitespaceTokenizer's options plus the token budget."""
        return {**WhitespaceTokenizer.get_default_config(), "max_tokens": 200}

    def tokenize(self, message: Message, attribute: Text) -> List[Token]:
        """The whitespace tokens, the middle of an overlong message left out."""
        return bound(super().tokenize(message, attribute), self._config["max_tokens"])


def bound(tokens: List[Token], max_tokens: int) -> List[Token]:
    """The first and last ``max_tokens // 2`` tokens when there are more than ``max_tokens``."""
    if len(tokens) <= max_tokens:
        return tokens
    head = max_tokens // 2
    return tokens[:head] + tokens[len(tokens) - (max_tokens - head):]
