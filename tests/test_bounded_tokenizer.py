"""The intent classifier's tokenizer keeps a long message's start and end, and leaves short ones whole."""

from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message

from components.bounded_tokenizer import BoundedWhitespaceTokenizer


def _tokens(text: str, max_tokens: int) -> list[str]:
    config = {**BoundedWhitespaceTokenizer.get_default_config(), "max_tokens": max_tokens}
    tokenizer = BoundedWhitespaceTokenizer(config)
    return [t.text for t in tokenizer.tokenize(Message(data={TEXT: text}), TEXT)]


def test_a_short_message_keeps_every_token():
    assert _tokens("my lower back hurts after deadlifts", 6) == ["my", "lower", "back", "hurts", "after", "deadlifts"]


def test_a_long_message_keeps_its_opening_and_its_question():
    text = "back sore after squats. " + "felt ok. " * 500 + "should I rest or keep training?"
    tokens = _tokens(text, 10)
    assert tokens[:4] == ["back", "sore", "after", "squats"] and tokens[-3:] == ["or", "keep", "training"]
    assert len(tokens) == 10


def test_offsets_still_point_into_the_original_text():
    text = "a " * 300 + "last"
    tokenizer = BoundedWhitespaceTokenizer({**BoundedWhitespaceTokenizer.get_default_config(), "max_tokens": 4})
    last = tokenizer.tokenize(Message(data={TEXT: text}), TEXT)[-1]
    assert text[last.start:last.end] == "last"
