"""Pull assessment answers and knowledge topics out of free text.

One spaCy EntityRuler-style pass (a blank pipeline with a PhraseMatcher built
from ``knowledge/vocabulary.yml`` and the knowledge base's aliases) plus a few
regular expressions for numbers (severity, age, duration). Used by the NLU
component on every message and by the form validators on free-text answers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from backstop import answers, knowledge

# Slots whose values come from the vocabulary; yes/no slots flip to "no" when negated.
YES_NO_SLOTS = {"numbness", "leg_weakness", "eases_with_movement"}
NEGATION = {"no", "not", "never", "without", "nor", "neither", "zero", "nothing", "none"}

_SEVERITY = re.compile(r"\b(10|[0-9](?:\.5)?)\s*(?:/|out of|outta|of)\s*10\b")
_SEVERITY_WORD = re.compile(
    r"\b(?:severity|pain level|level|rate it|rated?|about|maybe|around|like|a)\s+(?:a\s+)?(10|[0-9])\b"
    r"(?!\s*(?:days?|weeks?|months?|years?|hours?|kg|lbs?|reps?|sets?|x|%))"
)
_AGE = re.compile(r"\b(?:i am|i'm|im|age|aged|age is)\s*(\d{1,2})\b|\b(\d{1,2})\s*(?:years? old|y/?o|yrs? old|yrs)\b")
_DURATION = re.compile(
    r"\b(\d{1,3}|a|an|one|two|three|four|five|six|seven|eight|nine|ten|couple of|few)\s*"
    r"(hours?|hrs?|days?|weeks?|wks?|months?|years?)\b"
)
# what follows a time span that makes it an age or an onset, not how long the pain has lasted
_NOT_A_DURATION = re.compile(r"\s*(?:-\s*)?(?:old|of age|later|after|afterwards|into|in\b|before)")
_WORD_NUM = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "couple of": 2, "few": 3,
}


@dataclass(frozen=True)
class Entity:
    """An extracted value: the entity/slot name, its canonical value, and where it was."""

    entity: str
    value: Any
    start: int
    end: int
    text: str

    def as_rasa(self, extractor: str) -> dict[str, Any]:
        return {
            "entity": self.entity, "value": self.value, "start": self.start,
            "end": self.end, "confidence_entity": 1.0, "extractor": extractor,
        }


def duration_band(amount: float, unit: str) -> str:
    """Bucket a duration into the pain_duration values used by triage."""
    days = amount * {"h": 1 / 24, "d": 1, "w": 7, "m": 30, "y": 365}[unit[0]]
    if days < 2:
        return "under_2_days"
    if days <= 7:
        return "2_to_7_days"
    if days <= 42:
        return "1_to_6_weeks"
    return "over_6_weeks"


def age_band(age: int) -> str:
    if age < 18:
        return "under_18"
    return "18_to_49" if age < 50 else "50_plus"


class Extractor:
    """Finds slot values and knowledge topics in text. Build once, call often."""

    def __init__(self, kb: knowledge.KnowledgeBase) -> None:
        import spacy  # deferred: slow import, only needed once the extractor is built
        from spacy.matcher import PhraseMatcher

        self.nlp = spacy.blank("en")
        self.matcher = PhraseMatcher(self.nlp.vocab, attr="LOWER")
        self.labels: dict[str, tuple[str, str]] = {}
        for slot, values in kb.vocabulary.items():
            for value, phrases in values.items():
                self._add(f"{slot}={value}", (slot, value), phrases)
        for ex in kb.exercises.values():
            self._add(f"exercise={ex['id']}", ("exercise", ex["id"]), [ex["name"], *ex["aliases"]])
        for coll, entry in kb.topics():
            self._add(f"topic={coll}:{entry['id']}", ("topic", f"{coll}:{entry['id']}"),
                      [entry["name"], *entry["aliases"]])

    def _add(self, key: str, label: tuple[str, str], phrases: list[str]) -> None:
        docs = [self.nlp.make_doc(str(p).lower()) for p in phrases if str(p).strip()]
        if docs:
            self.matcher.add(key, docs)
            self.labels[key] = label

    def extract(self, text: str) -> list[Entity]:
        """Entities in ``text``; the longest match wins where phrases overlap."""
        if not text or not text.strip():
            return []
        text = text[:5000]
        lowered = text.lower().replace("\u2019", "'")
        doc = self.nlp.make_doc(lowered)
        spans = sorted(self.matcher(doc), key=lambda m: (-(m[2] - m[1]), m[1]))
        taken: set[int] = set()
        out: list[Entity] = []
        seen: set[tuple[str, Any]] = set()
        for match_id, s, e in spans:
            slot, value = self.labels[self.nlp.vocab.strings[match_id]]
            if slot != "topic" and taken.intersection(range(s, e)):
                continue
            if slot != "topic":
                taken.update(range(s, e))
            if slot in YES_NO_SLOTS and value == "yes" and self._negated(doc, s):
                value = "no"
            if slot == "pain_radiates" and self._negated(doc, s):
                value = "none"
            if value == "unknown" or (slot, value) in seen:
                continue
            if slot == "pain_duration" and self._not_a_duration(lowered, doc[s:e].start_char, doc[s:e].end_char):
                continue
            seen.add((slot, value))
            span = doc[s:e]
            out.append(Entity(slot, value, span.start_char, span.end_char, text[span.start_char:span.end_char]))
        out.extend(self._numbers(lowered, text, {(x.entity) for x in out}))
        # one answer per question: the first mention wins ("sharp at first, now a dull ache")
        first: dict[str, Entity] = {}
        for entity in sorted(out, key=lambda x: x.start):
            if entity.entity == "topic" or entity.entity not in first:
                first[f"{entity.entity}:{entity.value}" if entity.entity == "topic" else entity.entity] = entity
        return sorted(first.values(), key=lambda x: x.start)

    @staticmethod
    def _not_a_duration(lowered: str, start: int, end: int) -> bool:
        """"52 years old", "a few hours later", "worse than yesterday", "twice a week": an age, an onset,
        a comparison, a training frequency."""
        return (bool(_NOT_A_DURATION.match(lowered, end)) or lowered[:start].rstrip().endswith("than")
                or answers.is_frequency(lowered, start, end))

    @staticmethod
    def _negated(doc: Any, start: int) -> bool:
        return any(t.lower_ in NEGATION or t.lower_ == "n't" for t in doc[max(0, start - 3):start])

    @staticmethod
    def _numbers(lowered: str, text: str, have: set[str]) -> list[Entity]:
        out: list[Entity] = []
        m = _SEVERITY.search(lowered) or _SEVERITY_WORD.search(lowered)
        if m:
            out.append(Entity("pain_severity", float(m.group(1)), m.start(), m.end(), text[m.start():m.end()]))
        m = _AGE.search(lowered)
        if m:
            age = int(m.group(1) or m.group(2))
            if 10 <= age <= 99:
                out.append(Entity("age_band", age_band(age), m.start(), m.end(), text[m.start():m.end()]))
        if "pain_duration" not in have:
            m = next((m for m in _DURATION.finditer(lowered)
                      if not Extractor._not_a_duration(lowered, m.start(), m.end())), None)
            if m:
                amount = _WORD_NUM.get(m.group(1), None) or float(m.group(1))
                out.append(Entity("pain_duration", duration_band(float(amount), m.group(2)),
                                  m.start(), m.end(), text[m.start():m.end()]))
        return [e for e in out if e.entity not in have]


@lru_cache(maxsize=1)
def default() -> Extractor:
    """The project's extractor, built on first use (never at import)."""
    return Extractor(knowledge.default())
