"""ConText: is a concept in a sentence negated, hypothetical, historical or someone else's?

An implementation of the published ConText algorithm (Harkema et al., J Biomed Inform
2009) over a token list; the trigger, pseudo-trigger and termination terms are data in
``knowledge/context_rules.yml``. The red-flag detector asks it about each concept it
matched, so "no numbness", "my dad lost bladder control", "what if my groin went
numb?" and "I fell five years ago" are not red flags about this person now.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Sequence

import yaml

from backstop import knowledge

RULES_FILE = knowledge.KNOWLEDGE_DIR / "context_rules.yml"
CATEGORIES = ("negated", "hypothetical", "historical", "longstanding", "resolved", "other")
NUMBER_WORDS = {
    "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve",
    "fifteen", "twenty", "thirty", "forty", "fifty", "few", "couple", "several", "many", "some",
}

Phrase = tuple[str, ...]
NEGATING_WORDS = {"no", "not", "never", "without", "none", "nothing", "nor"}


def _phrase(text: str) -> Phrase:
    return tuple(str(text).lower().split())


def _token_matches(pattern: str, token: str) -> bool:
    if pattern == "*":
        return True
    if pattern == "<n>":
        return token.isdigit() or token in NUMBER_WORDS
    if pattern == "<year>":
        return len(token) == 4 and token[:2] in ("19", "20") and token.isdigit()
    return pattern == token


class PhraseSet:
    """Phrases indexed by their first token, so a sentence is scanned once."""

    def __init__(self, phrases: Sequence[Phrase]) -> None:
        self.by_first: dict[str, list[Phrase]] = {}
        self.wild: list[Phrase] = []
        for phrase in set(phrases):
            if phrase[0].startswith("<") or phrase[0] == "*":
                self.wild.append(phrase)
            else:
                self.by_first.setdefault(phrase[0], []).append(phrase)

    def find(self, tokens: Sequence[str]) -> list[tuple[int, int, Phrase]]:
        """Non-overlapping occurrences in ``tokens``; the longest wins."""
        found = []
        for i, token in enumerate(tokens):
            for phrase in (*self.by_first.get(token, ()), *self.wild):
                n = len(phrase)
                if i + n <= len(tokens) and all(_token_matches(p, t) for p, t in zip(phrase, tokens[i:i + n])):
                    found.append((i, i + n, phrase))
        found.sort(key=lambda m: (-(m[1] - m[0]), m[0]))
        taken: set[int] = set()
        out = []
        for start, end, phrase in found:
            if not taken.intersection(range(start, end)):
                taken.update(range(start, end))
                out.append((start, end, phrase))
        return sorted(out)


@dataclass(frozen=True)
class Trigger:
    category: str
    direction: str  # forward | backward | both
    start: int
    end: int


class ConText:
    """Assigns ConText categories to token spans of one sentence. Build once, call often."""

    def __init__(self, rules: dict[str, Any]) -> None:
        cats = rules["categories"]
        self.windows = {c: int(cats[c]["window"]) for c in CATEGORIES}
        self.triggers: list[tuple[Phrase, str, str]] = []
        for cat in CATEGORIES:
            for direction in ("forward", "backward", "both"):
                self.triggers += [(_phrase(p), cat, direction) for p in cats[cat].get(direction) or []]
        other = cats["other"]
        for det in other.get("determiners") or []:
            for rel in other.get("relations") or []:
                for form in (rel, f"{rel}s"):
                    self.triggers.append((_phrase(f"{det} {form}"), "other", "forward"))
        # ...and, after a copula, backward: "the only one with bladder problems is the toddler" (see analyse)
        self.copulas = set(other.get("copulas") or [])
        self.copula_determiners = set(other.get("copula_determiners") or [])
        self.pseudo = PhraseSet([_phrase(p) for cat in CATEGORIES for p in cats[cat].get("pseudo") or []])
        self.list_conjunctions = set(cats["negated"].get("list_conjunctions") or [])
        self.list_items = set(cats["negated"].get("list_items") or [])
        self.historical_ignores = set(cats["historical"].get("ignores") or [])
        self.termination = PhraseSet([_phrase(p) for p in rules["termination"]])
        self.first_person = set(rules["first_person"])
        self.first_person_phrases = PhraseSet([_phrase(p) for p in rules.get("first_person_phrases") or []])
        self.impersonal = PhraseSet([_phrase(p) for p in rules.get("impersonal") or []])
        self.first_person_after = set(rules.get("first_person_after") or [])
        self.first_person_object = [_phrase(p) for p in rules.get("first_person_object") or []]
        self.object_gap = set(rules.get("first_person_object_gap") or [])
        self.current = PhraseSet([_phrase(p) for p in rules["current"]])
        gq = rules["general_question"]
        self.question_starts = [_phrase(p) for p in gq["starts"]]
        self.question_not_starts = [_phrase(p) for p in gq["not_starts"]]
        self.question_cues = PhraseSet([_phrase(p) for p in gq["cues"]])
        self.definition_cues = PhraseSet([_phrase(p) for p in gq.get("definitions") or []])
        self._trigger_phrases: dict[Phrase, list[tuple[str, str]]] = {}
        for phrase, cat, direction in self.triggers:
            self._trigger_phrases.setdefault(phrase, []).append((cat, direction))
        self._trigger_set = PhraseSet(list(self._trigger_phrases))

    def analyse(self, tokens: Sequence[str], targets: Sequence[tuple[int, int, str]],
                personal: bool = False) -> dict[int, set[str]]:
        """Categories of each target (start, end, concept), keyed by the target's index.
        ``personal``: the message speaks of the writer elsewhere ("is it normal to ...? I couldn't
        hold it"), so a general-sounding question in this sentence is about them too."""
        tokens = [t.lower() for t in tokens]
        target_tokens = {i for s, e, _ in targets for i in range(s, e)}
        # pseudo-triggers and the targets' own words (e.g. "can not" in "can not pee") never trigger
        blocked = {i for s, e, _ in self.pseudo.find(tokens) for i in range(s, e)}
        inside_targets = [range(s, e) for s, e, _ in targets if e - s > 1]
        triggers: list[Trigger] = []
        for s, e, phrase in self._trigger_set.find(tokens):
            if blocked.intersection(range(s, e)):
                continue
            inside = any(s in r and e - 1 in r for r in inside_targets)
            # a negation whose negating word is inside a target phrase is part of it ("have not had" and
            # "not had a wee"), not "do not have" and "have a temperature"; other triggers only when
            # wholly inside one ("if my" still covers "my legs")
            shared = {tokens[i] for r in inside_targets for i in range(max(s, r.start), min(e, r.stop))}
            owned = bool(shared & NEGATING_WORDS)
            found = [Trigger(cat, d, s, e) for cat, d in self._trigger_phrases[phrase]
                     if not inside and not (owned and cat == "negated")]
            if (s > 0 and tokens[s - 1] in self.copulas and tokens[s] in self.copula_determiners
                    and any(t.category == "other" and t.direction == "forward" for t in found)):
                found.append(Trigger("other", "backward", s - 1, e))  # "... is my dad"
            triggers += found
        trigger_tokens = {i for t in triggers for i in range(t.start, t.end)}
        terminators = {i for s, e, _ in self.termination.find(tokens) for i in range(s, e)} - trigger_tokens - blocked
        current = {i for s, e, _ in self.current.find(tokens) for i in range(s, e)} - trigger_tokens
        # a question of what a word means is general even in a message that speaks of the writer
        # elsewhere ("What does saddle anaesthesia mean? I saw it on a leaflet")
        general = (not personal and self._general_question(tokens)) or self.asks_meaning(tokens)
        out: dict[int, set[str]] = {}
        for index, (s, e, concept) in enumerate(targets):
            cats = {"hypothetical"} if general else set()
            for trig in triggers:
                if trig.category == "historical" and concept in self.historical_ignores:
                    continue  # an ongoing state that started long ago ("transplant in 2019")
                if self._in_scope(trig, s, e, tokens, terminators, current, target_tokens):
                    cats.add(trig.category)
            out[index] = cats
        # something landed on the writer ("his grip went and the bar came down on my spine"): the other
        # person is the cause, and the writer the experiencer of the whole event
        if any(self._writer_is_object(tokens, s, e) for s, e, _ in targets):
            for cats in out.values():
                cats.discard("other")
        return out

    def asks_meaning(self, tokens: Sequence[str]) -> bool:
        """Whether these tokens ask what a word means, without speaking of the writer."""
        return not self.speaks_of_writer(tokens) and bool(self.definition_cues.find(list(tokens)))

    def words(self) -> set[str]:
        """Every word of the trigger phrases (the detector's speller corrects onto them)."""
        return {w for phrase in self._trigger_phrases for w in phrase if w.isalpha()}

    def speaks_of_writer(self, tokens: Sequence[str]) -> bool:
        """Whether these tokens contain a first-person word (or a report's "just now")."""
        lowered = [t.lower() for t in tokens]
        general = {i for s, e, _ in self.impersonal.find(lowered) for i in range(s, e)}
        own = [t for i, t in enumerate(lowered) if i not in general]
        return bool(self.first_person.intersection(own)) or bool(self.first_person_phrases.find(lowered))

    def _writer_is_object(self, tokens: list[str], start: int, end: int) -> bool:
        """The writer as the concept's object, inside it or at most one word after it ("... landed right on
        my back"): it happened to them. "next to me" is not it ("the man next to me collapsed")."""
        if any((t,) in self.first_person_object for t in tokens[start:end]):
            return True
        i = end + (end < len(tokens) and tokens[end] in self.object_gap)  # "landed right on my back"
        # not across a comma or "and": "my cousin was in a car crash, my back aches"
        return any(tuple(tokens[i:i + len(p)]) == p for p in self.first_person_object)

    def _general_question(self, tokens: list[str]) -> bool:
        if self.speaks_of_writer(tokens):
            return False
        if self.question_cues.find(tokens):
            return True
        starts = any(tuple(tokens[:len(p)]) == p for p in self.question_starts)
        return starts and not any(tuple(tokens[:len(p)]) == p for p in self.question_not_starts)

    def _in_scope(self, trig: Trigger, s: int, e: int, tokens: list[str], terminators: set[int],
                  current: set[int], target_tokens: set[int]) -> bool:
        window = self.windows[trig.category]

        def stops(i: int, step: int) -> bool:
            if i in terminators:
                return True
            if trig.category == "other" and tokens[i] in self.first_person:
                return i == 0 or tokens[i - 1] not in self.first_person_after
            if trig.category in ("historical", "longstanding", "resolved") and i in current:
                return True
            if trig.category == "negated" and tokens[i] in self.list_conjunctions:
                # "no numbness, tingling": a conjunction between two symptoms continues the list;
                # "no fever, my groin is numb" ends it
                before, after = i - step, i + step
                item = before in target_tokens or (0 <= before < len(tokens) and tokens[before] in self.list_items)
                return not (item and after in target_tokens)
            return False

        if trig.direction in ("forward", "both") and trig.start < s < trig.end:
            return True  # the target starts inside the trigger ("do not [have a temperature]")
        if trig.direction in ("forward", "both") and s >= trig.end:
            i, steps = trig.end, 0
            while i < s:
                if stops(i, 1) or steps >= window:
                    return False
                # a list of symptoms carries the scope on ("no loss of control of my bladder or bowels")
                i, steps = i + 1, steps + (i not in target_tokens)
            if steps <= window:
                return True
        if trig.direction in ("backward", "both") and e <= trig.start:
            i, steps = trig.start - 1, 0
            while i >= e:
                if stops(i, -1) or steps >= window:
                    return False
                i, steps = i - 1, steps + (i not in target_tokens)
            return steps <= window
        return False


def load_rules(path: Path = RULES_FILE) -> dict[str, Any]:
    """Read the rule file; errors name the file."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise knowledge.KnowledgeError(f"{path.name}: {exc}") from exc
    for key in ("categories", "termination", "first_person", "current", "general_question"):
        if not isinstance(data, dict) or key not in data:
            raise knowledge.KnowledgeError(f"{path.name}: missing top-level key '{key}'")
    missing = [c for c in CATEGORIES if c not in data["categories"]]
    if missing:
        raise knowledge.KnowledgeError(f"{path.name}: missing category {missing[0]}")
    return data


@lru_cache(maxsize=1)
def default() -> ConText:
    """The project's ConText rules, built on first use (never at import)."""
    return ConText(load_rules())
